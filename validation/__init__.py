"""Campaign rulebooks (one TOML file per campaign), shipped as package data."""
