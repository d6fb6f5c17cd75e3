using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace NeuralNotebooks;

public sealed partial class Sequential
{
    /// <summary>
    /// Saves the weights in the safetensors layout, a file a person can inspect: 8 bytes of header
    /// length (little-endian), a JSON header naming each tensor ("dense/kernel") with its dtype, shape
    /// and byte range, then the raw little-endian float32 data.
    /// </summary>
    public void SaveWeights(string path)
    {
        if (!IsBuilt) throw new InvalidOperationException("SaveWeights: the model is not built yet.");
        var header = new JsonObject { ["__metadata__"] = new JsonObject { ["format"] = "neuralnotebooks", ["model"] = Name } };
        long offset = 0;
        var tensors = new List<Tensor>();
        foreach (var (l, name, w) in SavedTensors())
            {
                header[$"{l.Name}/{name}"] = new JsonObject
                {
                    ["dtype"] = "F32",
                    ["shape"] = new JsonArray(w.Shape.Select(d => (JsonNode)d).ToArray()),
                    ["data_offsets"] = new JsonArray(offset, offset + 4L * w.Size),
                };
                offset += 4L * w.Size;
                tensors.Add(w);
            }
        var json = Encoding.UTF8.GetBytes(header.ToJsonString());
        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
        using var f = File.Create(path);
        Span<byte> len = stackalloc byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(len, json.Length);
        f.Write(len);
        f.Write(json);
        var buffer = new byte[4 * 4096];
        foreach (var t in tensors)
        {
            var d = t.AsSpan();
            for (int i = 0; i < d.Length; i += 4096)
            {
                int n = Math.Min(4096, d.Length - i);
                for (int k = 0; k < n; k++) BinaryPrimitives.WriteSingleLittleEndian(buffer.AsSpan(4 * k), d[i + k]);
                f.Write(buffer, 0, 4 * n);
            }
        }
    }

    /// <summary>Loads weights saved by <see cref="SaveWeights"/> into this model (same layers and shapes).</summary>
    /// <exception cref="DataFormatException">The file is not such a file, or a tensor is missing or has another shape.</exception>
    public void LoadWeights(string path)
    {
        if (!IsBuilt) throw new InvalidOperationException("LoadWeights: build the model first (give the first layer an inputShape).");
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length < 8) throw new DataFormatException(path, $"expected an 8-byte header length, found {bytes.Length} bytes.");
        long hlen = BinaryPrimitives.ReadInt64LittleEndian(bytes);
        if (hlen <= 0 || 8 + hlen > bytes.Length) throw new DataFormatException(path, $"the header length {hlen} does not fit in the file ({bytes.Length} bytes).");
        JsonObject header;
        try { header = JsonNode.Parse(bytes.AsSpan(8, (int)hlen))!.AsObject(); }
        catch (JsonException e) { throw new DataFormatException(path, $"the header is not valid JSON: {e.Message}", e); }
        long dataStart = 8 + hlen;
        foreach (var (l, tensorName, w) in SavedTensors())
            {
                string name = $"{l.Name}/{tensorName}";
                if (header[name] is not JsonObject entry) throw new DataFormatException(path, $"no tensor '{name}' (the file has: {string.Join(", ", header.Select(kv => kv.Key).Where(k => k != "__metadata__"))}).");
                var shape = entry["shape"]!.AsArray().Select(d => d!.GetValue<int>()).ToArray();
                if (!shape.SequenceEqual(w.Shape.ToArray()))
                    throw new DataFormatException(path, $"tensor '{name}' has shape ({string.Join(", ", shape)}) but the model's {l.Describe()} expects {w.Shape}.");
                var range = entry["data_offsets"]!.AsArray();
                long begin = range[0]!.GetValue<long>(), end = range[1]!.GetValue<long>();
                if (end - begin != 4L * w.Size || dataStart + end > bytes.Length)
                    throw new DataFormatException(path, $"tensor '{name}' has byte range {begin}..{end}, which does not hold {w.Size} floats inside the file.");
                var d = w.AsSpan();
                for (int k = 0; k < d.Length; k++) d[k] = BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan((int)(dataStart + begin + 4L * k)));
            }
    }

    /// <summary>What a weights file holds: every layer's weights, then its non-trainable buffers, by name.</summary>
    private IEnumerable<(Layer Layer, string Name, Tensor Tensor)> SavedTensors()
    {
        foreach (var l in _layers)
        {
            for (int i = 0; i < l.Weights.Count; i++) yield return (l, l.WeightNames[i], l.Weights[i]);
            for (int i = 0; i < l.Buffers.Count; i++) yield return (l, l.BufferNames[i], l.Buffers[i]);
        }
    }
}
