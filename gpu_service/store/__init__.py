"""The manifest run's registry and pictures in Firestore and Cloud Storage (the ML packages write
nothing). Not every read and write of the engine goes through here: gpu_service/README.md says
which steps go to common/ or Firestore themselves."""
