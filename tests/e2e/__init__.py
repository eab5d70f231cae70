"""The emulator tier: real Firestore, Pub/Sub, storage and Cloud Tasks emulators, real HTTP, real models."""
