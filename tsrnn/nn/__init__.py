"""Plain ``torch.nn`` modules: recurrent encoders and forecasting heads (no Lightning)."""

from tsrnn.nn.recurrent import CELLS, RecurrentNet, init_forget_gate_bias

__all__ = ["CELLS", "RecurrentNet", "init_forget_gate_bias"]
