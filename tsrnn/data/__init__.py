"""Data layer: pandas boundary, CSR panel store, windowing, scaling and batching."""
