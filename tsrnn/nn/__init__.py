"""Plain ``torch.nn`` modules: recurrent cells and encoders, attention, forecasting nets."""

from tsrnn.nn.attention import ATTENTIONS, Attention
from tsrnn.nn.cells import CELLS, FusedCell, LSTMCell, make_cell, run_cell
from tsrnn.nn.encoder import Encoder, make_encoder
from tsrnn.nn.recurrent import RecurrentNet, init_forget_gate_bias
from tsrnn.nn.seq2seq import SCHEDULES, Seq2SeqNet, teacher_forcing_probability
from tsrnn.nn.stack import RecurrentEncoder
from tsrnn.nn.state import detach_state, merge_state, select_state, top_hidden
from tsrnn.nn.static import StaticInputNet

__all__ = [
    "ATTENTIONS",
    "CELLS",
    "SCHEDULES",
    "Attention",
    "Encoder",
    "FusedCell",
    "LSTMCell",
    "RecurrentEncoder",
    "RecurrentNet",
    "Seq2SeqNet",
    "StaticInputNet",
    "detach_state",
    "init_forget_gate_bias",
    "make_cell",
    "make_encoder",
    "merge_state",
    "run_cell",
    "select_state",
    "teacher_forcing_probability",
    "top_hidden",
]
