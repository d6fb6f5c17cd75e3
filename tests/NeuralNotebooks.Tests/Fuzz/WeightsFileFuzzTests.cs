using System.Buffers.Binary;
using System.Text;
using System.Text.RegularExpressions;
using NeuralNotebooks.Tests.Nn;

namespace NeuralNotebooks.Tests.Fuzz;

/// <summary>
/// <see cref="Sequential.LoadWeights"/> on thousands of mutated weights files for a few seconds:
/// bytes flipped anywhere, and JSON values in the header replaced by hostile ones with the header
/// length kept consistent, so the checks behind the parser are reached too. Every outcome is a load
/// or a <see cref="DataFormatException"/> that leaves the model unchanged.
/// </summary>
public class WeightsFileFuzzTests
{
    private static readonly string[] HostileValues =
        ["-1", "0", "-0", "1.5", "1e300", "-8", "2147483648", "9223372036854775807", "18446744073709551616", "null", "true",
         "\"F32\"", "\"F64\"", "\"\"", "[]", "{}", "[0]", "[0,0,0]", "[-1,4]", "[[1]]", "{\"dtype\":\"F32\"}"];

    private static readonly Regex JsonValue = new("-?[0-9][0-9.eE+-]*|\"[^\"]*\"|\\[[^\\[\\]]*\\]|\\{[^{}]*\\}", RegexOptions.Compiled);

    private static byte[] MutateHeader(byte[] file, Random rng)
    {
        long length = BinaryPrimitives.ReadInt64LittleEndian(file);
        var header = Encoding.UTF8.GetString(file, 8, (int)length);
        int edits = 1 + rng.Next(3);
        for (int k = 0; k < edits; k++)
        {
            var matches = JsonValue.Matches(header);
            var m = matches[rng.Next(matches.Count)];
            header = rng.Next(6) == 0
                ? header.Remove(m.Index, m.Length)   // a hole: usually invalid JSON
                : header[..m.Index] + HostileValues[rng.Next(HostileValues.Length)] + header[(m.Index + m.Length)..];
        }
        var json = Encoding.UTF8.GetBytes(header);
        var data = file.AsSpan(8 + (int)length).ToArray();
        if (rng.Next(4) == 0) data = data[..rng.Next(data.Length + 1)];
        var len = new byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(len, json.Length);
        return [.. len, .. json, .. data];
    }

    [Fact]
    public void Mutated_weights_files_load_or_fail_without_changing_the_model()
    {
        var dir = TempFolder.New();
        var seedPath = Path.Combine(dir, "seed.safetensors");
        WeightsFileTests.Mlp(11, 2, 3, 2).SaveWeights(seedPath);
        var original = File.ReadAllBytes(seedPath);
        int headerBytes = 8 + (int)BinaryPrimitives.ReadInt64LittleEndian(original);
        var model = WeightsFileTests.Mlp(12, 2, 3, 2);
        var path = Path.Combine(dir, "fuzz.safetensors");
        int rejected = 0, loaded = 0;
        int cases = Mutator.Run(TimeSpan.FromSeconds(3), minCases: 300, maxCases: 20_000, seed =>
        {
            var rng = new Random(seed);
            var bytes = seed % 2 == 0 ? MutateHeader(original, rng) : Mutator.Mutate(original, rng, headerBytes);
            File.WriteAllBytes(path, bytes);
            var before = WeightsFileTests.Snapshot(model);
            try
            {
                model.LoadWeights(path);
                loaded++;
            }
            catch (DataFormatException e)
            {
                Assert.True(e.Message.Contains(path), $"case {seed}: the message does not name the file: {e.Message}");
                WeightsFileTests.Unchanged(before, model);
                rejected++;
            }
            catch (Exception e)
            {
                Assert.Fail($"case {seed} (header {Encoding.UTF8.GetString(bytes, 0, Math.Min(bytes.Length, headerBytes + 16))}): {e.GetType().Name}: {e.Message}");
            }
        });
        Assert.True(rejected > 0 && loaded > 0, $"{loaded} loaded, {rejected} rejected: the mutations should produce both");
    }
}
