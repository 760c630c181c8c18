"""Plain ``torch.nn`` modules: recurrent encoders and forecasting heads (no Lightning)."""

from tsrnn.nn.recurrent import CELLS, RecurrentNet, init_forget_gate_bias
from tsrnn.nn.state import detach_state, merge_state, select_state, top_hidden

__all__ = [
    "CELLS",
    "RecurrentNet",
    "detach_state",
    "init_forget_gate_bias",
    "merge_state",
    "select_state",
    "top_hidden",
]
