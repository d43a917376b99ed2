"""Data layers: what a layer is, how it is read, checked, stored, indexed and drawn."""
