"""Storage: engines and the SQLite recipe (`db`), the tables (`models`), the append-only guards
(`guards`), migrations, and the queries by concern (`plans`, `entries`, `notices`, `backup`).

Functions take the session as a keyword and give back plain data; nothing here words a message for
a user beyond describing a database failure.
"""
