"""Which decoder state asks the question: Bahdanau's sᵢ₋₁ against Luong's sᵢ, on one decoding step.

Both decoders attend over the encoder's states H with some query; they differ in *when*:

    Bahdanau (2014):  cᵢ, αᵢ = attention(sᵢ₋₁, H);  sᵢ = LSTM([embed(yᵢ₋₁); cᵢ], sᵢ₋₁)   the context feeds the step
    Luong (2015):     sᵢ = LSTM(embed(yᵢ₋₁), sᵢ₋₁);  cᵢ, αᵢ = attention(sᵢ, H)            the new state asks

This runs one step of each (untrained, seeded) and recomputes the weights by hand from the state
before the step and from the state after it: Bahdanau's weights are those of the state before,
Luong's those of the state after. It also shows the two ways to combine the context with the
state that the notes mention, concatenation W_c [cᵢ; sᵢ] and addition W_c (cᵢ + sᵢ).

    python examples/which_state_asks.py
"""

from __future__ import annotations

import minigrad as mg
from models.data import BOS_ID
from models.seq2seq import build_model


def max_difference(a: mg.Tensor, b: mg.Tensor) -> float:
    return float(abs(a - b).max().item())


def main() -> None:
    source = mg.tensor([[5, 6, 7, 8, 2]])  # five source tokens (the last is <eos>)
    tokens = mg.tensor([BOS_ID])
    for decoder in ("bahdanau", "luong"):
        mg.manual_seed(0)
        model = build_model(10, 10, decoder=decoder, embed_size=8, hidden_size=8)
        model.eval()
        memory = model.encode(source)
        state = model.decoder.start(memory)
        before = state["h"][-1]  # s₀: the encoder's final state, before the first step
        _, new_state, weights = model.decoder.step(tokens, state, memory)
        after = new_state["h"][-1]  # s₁
        asked_before = model.decoder.attention(before, memory.states, mask=memory.mask)[1]
        asked_after = model.decoder.attention(after, memory.states, mask=memory.mask)[1]
        print(f"{decoder}: weights of step 1 {[round(w, 3) for w in weights.tolist()[0]]}")
        print(f"    recomputed from the state before the step: differ by {max_difference(weights, asked_before):.1e}")
        print(f"    recomputed from the state after the step:  differ by {max_difference(weights, asked_after):.1e}")
        query = "the previous state s₀" if max_difference(weights, asked_before) < 1e-6 else "the new state s₁"
        print(f"    so the query of {decoder} is {query}")

    for join in ("concat", "add"):
        mg.manual_seed(0)
        model = build_model(10, 10, decoder="luong", embed_size=8, hidden_size=8, join=join)
        combine = model.decoder.combine.weight.shape
        logits, _ = model(source, mg.tensor([[BOS_ID, 5, 6]]))
        print(f"luong, join={join}: W_c is {combine[0]}×{combine[1]}, logits {logits.shape}")


if __name__ == "__main__":
    main()
