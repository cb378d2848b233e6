"""One module per step kind (or tight family); ``catalogue`` registers them."""
