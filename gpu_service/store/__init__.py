"""What the engine reads from and writes to Firestore and Cloud Storage (the ML packages write nothing)."""
