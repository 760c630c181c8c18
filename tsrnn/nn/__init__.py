"""Plain ``torch.nn`` modules: recurrent cells and encoders, attention, forecasting nets."""

from tsrnn.nn.attention import ATTENTIONS, Attention
from tsrnn.nn.cells import CELLS, FusedCell, LSTMCell, make_cell, run_cell
from tsrnn.nn.recurrent import RecurrentNet, init_forget_gate_bias
from tsrnn.nn.seq2seq import SCHEDULES, Seq2SeqNet, teacher_forcing_probability
from tsrnn.nn.stack import RecurrentEncoder

__all__ = [
    "ATTENTIONS",
    "CELLS",
    "SCHEDULES",
    "Attention",
    "FusedCell",
    "LSTMCell",
    "RecurrentEncoder",
    "RecurrentNet",
    "Seq2SeqNet",
    "init_forget_gate_bias",
    "make_cell",
    "run_cell",
    "teacher_forcing_probability",
]
