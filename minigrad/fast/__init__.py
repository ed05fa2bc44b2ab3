"""The fast layer: code that exists for speed alone, kept apart from the code a learner reads.

Everything here replaces something in the reference engine that is slower but clearer, and
is held equal to it by a test. Nothing outside this package needs it to be correct: turn
it off (``nn.LSTM(..., fused=False)``, the default) and every result is the same.

- :mod:`minigrad.fast.lstm`: the LSTM recurrence over a whole sequence as one op, with
  backpropagation through time written by hand. Replaces the composed LSTM
  (:func:`minigrad.nn.rnn.lstm_step`, about twenty recorded ops per time step).
  Held equal by ``tests/test_lstm.py::test_fused_and_composed_lstm_agree_on_outputs_states_and_every_gradient``.
- :mod:`minigrad.fast.buffers`: big host arrays that reuse memory nobody holds any more.
  Replaces ``numpy.empty`` inside the fused LSTM. Held by ``tests/test_fast.py``.
"""
