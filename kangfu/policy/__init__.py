"""Policy packs and the pure rule engine (facts -> category with reasons). No models."""
