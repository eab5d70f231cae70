"""The fast tier: pure logic, no emulator, no network, no model weights (`make test-unit`)."""
