"""The add-in's ribbon XML and VBA module, shipped as package data (taizhang.macros)."""
