"""Test helpers that other modules reuse: a fake OpenAI-compatible server and a tiny local model."""
