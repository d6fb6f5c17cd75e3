namespace NeuralNotebooks.Tests.Nn;

/// <summary>
/// MLPClassifier against scikit-learn's algorithm written out plainly in double precision (forward pass,
/// log-loss with the L2 penalty, back-propagation, Adam with ε = 1e-8), from the same initial weights and
/// the same batch order. The library trains through Dense, the loss, Adam and the shared training loop;
/// agreement shows that path computes scikit-learn's numbers.
/// </summary>
public class MLPClassifierTests
{
    private static (Tensor X, int[] Y) Blobs(int n, int features, int classes, int seed)
    {
        var rng = new Rng(seed);
        var x = new float[n * features];
        var y = new int[n];
        for (int i = 0; i < n; i++)
        {
            y[i] = i % classes;
            for (int j = 0; j < features; j++) x[i * features + j] = rng.Normal() + (j % classes == y[i] ? 1.5f : 0f);
        }
        return (new Tensor(x, n, features), y);
    }

    /// <summary>scikit-learn's MLPClassifier.fit with solver="adam", following sklearn/neural_network/_multilayer_perceptron.py.</summary>
    private static List<double> Reference(float[] x, int[] y, int n, int features, int classes, int[] hidden, string activation,
        double alpha, double lr, int maxIter, int seed, out double[][] coefs)
    {
        var rng = new Rng(seed);
        // Two classes: one logistic output, the second class's probability, and the binary log-loss.
        bool binary = classes == 2;
        int outs = binary ? 1 : classes;
        const double Eps = 2.220446049250313e-16;   // numpy's finfo(float64).eps: scikit-learn 1.2 clips there
        var sizes = new[] { features }.Concat(hidden).Append(outs).ToArray();
        int layers = sizes.Length - 1;
        var w = new double[layers][]; var b = new double[layers][];
        for (int l = 0; l < layers; l++)
        {
            int fanIn = sizes[l], fanOut = sizes[l + 1];
            // The library draws a Glorot kernel while building the layer, then replaces it: skip those draws.
            float limit = MathF.Sqrt(6f / (fanIn + fanOut));
            for (int i = 0; i < fanIn * fanOut; i++) rng.Uniform(-limit, limit);
            float bound = MathF.Sqrt((activation == "logistic" ? 2f : 6f) / (fanIn + fanOut));
            w[l] = Enumerable.Range(0, fanIn * fanOut).Select(_ => (double)rng.Uniform(-bound, bound)).ToArray();
            b[l] = Enumerable.Range(0, fanOut).Select(_ => (double)rng.Uniform(-bound, bound)).ToArray();
        }
        var all = w.Concat(b).ToArray();
        var m = all.Select(p => new double[p.Length]).ToArray();
        var v = all.Select(p => new double[p.Length]).ToArray();
        int t = 0, batchSize = Math.Min(200, n);
        var curve = new List<double>();
        for (int epoch = 0; epoch < maxIter; epoch++)
        {
            var order = rng.Permutation(n);
            double lossSum = 0;
            for (int start = 0; start < n; start += batchSize)
            {
                int count = Math.Min(batchSize, n - start);
                var acts = new double[layers + 1][];
                acts[0] = new double[count * features];
                for (int k = 0; k < count; k++)
                    for (int j = 0; j < features; j++) acts[0][k * features + j] = x[order[start + k] * features + j];
                for (int l = 0; l < layers; l++)
                {
                    int fi = sizes[l], fo = sizes[l + 1];
                    var a = new double[count * fo];
                    for (int k = 0; k < count; k++)
                        for (int o = 0; o < fo; o++)
                        {
                            double s = b[l][o];
                            for (int i = 0; i < fi; i++) s += acts[l][k * fi + i] * w[l][i * fo + o];
                            a[k * fo + o] = l == layers - 1 && !binary ? s : l == layers - 1 || activation == "logistic" ? 1 / (1 + Math.Exp(-s)) : Math.Max(s, 0);
                        }
                    if (l == layers - 1 && !binary)
                        for (int k = 0; k < count; k++)
                        {
                            double max = a.Skip(k * fo).Take(fo).Max(), z = 0;
                            for (int o = 0; o < fo; o++) z += a[k * fo + o] = Math.Exp(a[k * fo + o] - max);
                            for (int o = 0; o < fo; o++) a[k * fo + o] /= z;
                        }
                    acts[l + 1] = a;
                }
                double loss = 0;
                for (int k = 0; k < count; k++)
                {
                    int label = y[order[start + k]];
                    if (binary)
                    {
                        double q = Math.Clamp(acts[layers][k], Eps, 1 - Eps);
                        loss -= label == 1 ? Math.Log(q) : Math.Log(1 - q);
                    }
                    else loss -= Math.Log(Math.Clamp(acts[layers][k * classes + label], Eps, 1 - Eps));
                }
                loss /= count;
                loss += 0.5 * alpha * w.Sum(wl => wl.Sum(q => q * q)) / count;
                lossSum += loss * count;
                // Back-propagation: the output delta is (p - y) / count; hidden deltas through the activation's derivative.
                var delta = (double[])acts[layers].Clone();
                for (int k = 0; k < count; k++)
                {
                    int label = y[order[start + k]];
                    if (binary) delta[k] -= label;
                    else delta[k * classes + label] -= 1;
                }
                for (int i = 0; i < delta.Length; i++) delta[i] /= count;
                var gw = new double[layers][]; var gb = new double[layers][];
                for (int l = layers - 1; l >= 0; l--)
                {
                    int fi = sizes[l], fo = sizes[l + 1];
                    gw[l] = new double[fi * fo]; gb[l] = new double[fo];
                    for (int k = 0; k < count; k++)
                        for (int o = 0; o < fo; o++)
                        {
                            gb[l][o] += delta[k * fo + o];
                            for (int i = 0; i < fi; i++) gw[l][i * fo + o] += acts[l][k * fi + i] * delta[k * fo + o];
                        }
                    for (int i = 0; i < gw[l].Length; i++) gw[l][i] += alpha * w[l][i] / count;
                    if (l == 0) break;
                    var prev = new double[count * fi];
                    for (int k = 0; k < count; k++)
                        for (int i = 0; i < fi; i++)
                        {
                            double s = 0;
                            for (int o = 0; o < fo; o++) s += delta[k * fo + o] * w[l][i * fo + o];
                            double a = acts[l][k * fi + i];
                            prev[k * fi + i] = s * (activation == "logistic" ? a * (1 - a) : a > 0 ? 1 : 0);
                        }
                    delta = prev;
                }
                t++;
                double lrT = lr * Math.Sqrt(1 - Math.Pow(0.999, t)) / (1 - Math.Pow(0.9, t));
                var grads = gw.Concat(gb).ToArray();
                for (int p = 0; p < all.Length; p++)
                    for (int i = 0; i < all[p].Length; i++)
                    {
                        m[p][i] = 0.9 * m[p][i] + 0.1 * grads[p][i];
                        v[p][i] = 0.999 * v[p][i] + 0.001 * grads[p][i] * grads[p][i];
                        all[p][i] -= lrT * m[p][i] / (Math.Sqrt(v[p][i]) + 1e-8);
                    }
            }
            curve.Add(lossSum / n);
        }
        coefs = w;
        return curve;
    }

    [Theory]
    [InlineData("logistic", 0.0001f, 3)]
    [InlineData("relu", 0.01f, 3)]
    [InlineData("logistic", 0.0001f, 2)]   // one logistic output and the binary log-loss
    [InlineData("relu", 0.01f, 2)]
    public void Fit_follows_scikit_learns_algorithm(string activation, float alpha, int Classes)
    {
        const int N = 260, Features = 9;
        var (x, y) = Blobs(N, Features, Classes, seed: 5);
        var clf = new MLPClassifier(hiddenLayerSizes: [7, 5], activation: activation, alpha: alpha, learningRateInit: 0.01f, maxIter: 12, tol: 0, nIterNoChange: 100, randomState: 3);
        clf.Fit(x, y);
        var expected = Reference(x.ToArray(), y, N, Features, Classes, [7, 5], activation, alpha, 0.01, 12, 3, out var coefs);
        Assert.Equal(expected.Count, clf.LossCurve.Count);
        for (int i = 0; i < expected.Count; i++)
            Assert.True(Math.Abs(expected[i] - clf.LossCurve[i]) <= 1e-4 * expected[i], $"epoch {i + 1}: reference loss {expected[i]}, MLPClassifier {clf.LossCurve[i]}");
        for (int l = 0; l < coefs.Length; l++)
        {
            var mine = clf.Coefs[l].ToArray();
            for (int i = 0; i < mine.Length; i++) Assert.True(Math.Abs(coefs[l][i] - mine[i]) < 1e-3, $"coefs[{l}][{i}]: reference {coefs[l][i]}, MLPClassifier {mine[i]}");
        }
        Assert.True(clf.LossCurve[^1] < clf.LossCurve[0]);
        double score = clf.Score(x, y);
        Assert.True(score > 1.0 / Classes + 0.1, $"accuracy {score}, losses {string.Join(", ", clf.LossCurve)}");
    }

    [Fact]
    public void Two_classes_take_one_logistic_output_and_give_both_probabilities()
    {
        // scikit-learn: for two classes coefs_[-1] has shape (hidden, 1), and predict_proba is [1 - p, p].
        var (x, y) = Blobs(100, 4, 2, seed: 4);
        int[] named = y.Select(l => l == 0 ? -1 : 1).ToArray();
        var clf = new MLPClassifier(hiddenLayerSizes: [5], learningRateInit: 0.01f, maxIter: 50, randomState: 2).Fit(x, named);
        Assert.Equal([-1, 1], clf.Classes);
        Assert.Equal(new Shape(5, 1), clf.Coefs[^1].Shape);
        var proba = clf.PredictProba(x);
        Assert.Equal(new Shape(100, 2), proba.Shape);
        var predicted = clf.Predict(x);
        for (int i = 0; i < 100; i++)
        {
            Assert.Equal(1f, proba.Item(i, 0) + proba.Item(i, 1), 6);
            Assert.Equal(proba.Item(i, 1) > proba.Item(i, 0) ? 1 : -1, predicted[i]);
        }
        Assert.True(clf.Score(x, named) > 0.8, $"accuracy {clf.Score(x, named)}");
    }

    [Fact]
    public void Labels_with_gaps_give_one_column_per_class_as_scikit_learn()
    {
        // scikit-learn: MLPClassifier().fit(x, 5 * y) has classes_ [0, 5, 10] and predict_proba of shape (n, 3);
        // this one had 11 columns, 8 of them for labels that never occur.
        var (x, y) = Blobs(120, 4, 3, seed: 3);
        int[] spaced = y.Select(l => 5 * l - 5).ToArray();   // -5, 0, 5: negative labels are labels too
        var clf = new MLPClassifier(hiddenLayerSizes: [6], maxIter: 30, randomState: 1).Fit(x, spaced);
        Assert.Equal([-5, 0, 5], clf.Classes);
        Assert.Equal(new Shape(120, 3), clf.PredictProba(x).Shape);
        var predicted = clf.Predict(x);
        Assert.All(predicted, p => Assert.Contains(p, new[] { -5, 0, 5 }));
        // The same model as on the labels 0, 1, 2: the classes are the same, only named otherwise.
        var plain = new MLPClassifier(hiddenLayerSizes: [6], maxIter: 30, randomState: 1).Fit(x, y);
        Assert.Equal(plain.PredictProba(x).ToArray(), clf.PredictProba(x).ToArray());
        Assert.Equal(plain.Predict(x).Select(l => 5 * l - 5), predicted);
        Assert.Equal(plain.Score(x, y), clf.Score(x, spaced));
    }

    [Fact]
    public void Labels_far_apart_are_classes_too()
    {
        // Labels spread over more than a table would hold take the sorting path: the same model, named otherwise.
        var (x, y) = Blobs(120, 4, 3, seed: 3);
        int[] names = [int.MinValue, 7, int.MaxValue];
        int[] far = y.Select(l => names[l]).ToArray();
        var clf = new MLPClassifier(hiddenLayerSizes: [6], maxIter: 30, randomState: 1).Fit(x, far);
        Assert.Equal(names, clf.Classes);
        var plain = new MLPClassifier(hiddenLayerSizes: [6], maxIter: 30, randomState: 1).Fit(x, y);
        Assert.Equal(plain.PredictProba(x).ToArray(), clf.PredictProba(x).ToArray());
        Assert.Equal(plain.Predict(x).Select(l => names[l]), clf.Predict(x));
    }

    [Theory]
    [InlineData("maxIter")]
    [InlineData("alpha")]
    [InlineData("batchSize")]
    [InlineData("learningRateInit")]
    [InlineData("tol")]
    [InlineData("nIterNoChange")]
    [InlineData("hiddenLayerSizes")]
    public void Parameters_outside_scikit_learns_constraints_are_refused(string parameter)
    {
        // scikit-learn 1.2 raises InvalidParameterError for max_iter=0, alpha=-1, batch_size=0,
        // learning_rate_init=0, tol=-1, n_iter_no_change=0 and hidden_layer_sizes=(0,); these trained silently.
        Func<MLPClassifier> make = parameter switch
        {
            "maxIter" => () => new MLPClassifier(maxIter: 0),
            "alpha" => () => new MLPClassifier(alpha: -1f),
            "batchSize" => () => new MLPClassifier(batchSize: 0),
            "learningRateInit" => () => new MLPClassifier(learningRateInit: 0f),
            "tol" => () => new MLPClassifier(tol: -1f),
            "nIterNoChange" => () => new MLPClassifier(nIterNoChange: 0),
            _ => () => new MLPClassifier(hiddenLayerSizes: [10, 0]),
        };
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => make());
        Assert.Equal(parameter, e.ParamName);
        Assert.StartsWith("MLPClassifier: ", e.Message);
    }

    /// <summary>
    /// Images that are still the bytes their loader kept, divided by 255 (mostly zeros, like pixels), are gathered from
    /// those bytes: the same loss curve and weights, to the bit, as gathered from the floats. Changed in place to hold
    /// a NaN, they are floats like any others and refused by name.
    /// </summary>
    [Fact]
    public void Fit_on_images_gathered_from_their_bytes_trains_the_same_bits_as_from_their_floats()
    {
        const int N = 700, Features = 784;
        var bytes = new byte[N * Features];
        var rng = new Random(12);
        for (int i = 0; i < bytes.Length; i++) bytes[i] = rng.Next(5) == 0 ? (byte)rng.Next(1, 256) : (byte)0;
        var floats = new float[bytes.Length];
        NeuralNotebooks.Kernels.PixelConversion.ToUnitFloats(bytes, floats);
        PixelBytes.Remember(floats, bytes);
        var images = new Tensor(floats, N, 28, 28);
        var y = Enumerable.Range(0, N).Select(i => (bytes[i * Features + 400] + i) % 10).ToArray();
        Assert.Same(bytes, PixelBytes.Matching(images.Reshape(N, Features)));
        MLPClassifier Fit() => new MLPClassifier(hiddenLayerSizes: [16], activation: "logistic", maxIter: 3, tol: 0, nIterNoChange: 100, randomState: 4).Fit(images, y);
        var fromBytes = Fit();
        PixelBytes.Off = true;
        MLPClassifier fromFloats;
        try { fromFloats = Fit(); }
        finally { PixelBytes.Off = false; }
        Assert.Equal(fromFloats.LossCurve.Select(BitConverter.SingleToInt32Bits), fromBytes.LossCurve.Select(BitConverter.SingleToInt32Bits));
        for (int l = 0; l < fromFloats.Coefs.Count; l++)
            Assert.Equal(fromFloats.Coefs[l].ToArray().Select(BitConverter.SingleToInt32Bits), fromBytes.Coefs[l].ToArray().Select(BitConverter.SingleToInt32Bits));
        floats[3 * Features + 5] = float.NaN;
        var e = Assert.Throws<ArgumentException>(() => Fit());
        Assert.Contains("row 3, column 5", e.Message);
    }

    [Fact]
    public void Fit_stops_when_the_loss_stops_improving_by_tol()
    {
        var (x, y) = Blobs(200, 6, 2, seed: 8);
        var clf = new MLPClassifier(hiddenLayerSizes: [4], maxIter: 500, tol: 10f, nIterNoChange: 3, randomState: 1).Fit(x, y);
        // The first epoch sets the best loss; no later one improves on it by 10, and scikit-learn stops once
        // more than nIterNoChange epochs have not: after 1 + 4 epochs.
        Assert.Equal(5, clf.NIter);
    }

    [Fact]
    public void The_binary_log_loss_from_logits_is_capped_where_scikit_learns_clip_caps_it()
    {
        // scikit-learn 1.2's binary_log_loss clips p to [eps, 1 - eps] with float64's eps = 2^-52, so a sample costs
        // at most -log(eps) = 52 ln 2 and at least -log(1 - eps). By hand, with softplus(t) = log(1 + e^t):
        // y = 0, z = 40:  softplus(40) = 40.0000..., capped at 52 ln 2 = 36.04365338911715
        // y = 1, z = -3:  softplus(3) = 3 + log(1 + e^-3) = 3.048587351573742
        // y = 0, z = 20:  softplus(20) = 20.000000002061154 (a float sigmoid of 20 is 1, which cost the cap)
        // y = 1, z = 0:   log 2 = 0.6931471805599453
        // y = 0, z = -50: e^-50 = 1.9e-22, raised to -log(1 - eps) = 2.22e-16
        var loss = new BinaryCrossentropy(fromLogits: true) { ClipInDouble = 2.220446049250313e-16 };
        var logits = new Tensor([40f, -3f, 20f, 0f, -50f], 5, 1);
        var targets = new Tensor([0f, 1f, 0f, 1f, 0f], 5, 1);
        double expected = (36.04365338911715 + 3.048587351573742 + 20.000000002061154 + 0.6931471805599453 + 2.220446049250313e-16) / 5;
        Assert.Equal(expected, loss.Compute(targets, logits), 5);
        // The clip moves only the loss: the gradient stays (sigmoid(z) - y) / N, as scikit-learn's p - y.
        var grad = loss.Gradient(targets, logits).ToArray();
        float[] sigmoid = [1f, 1f / (1f + MathF.Exp(3f)), 1f, 0.5f, 1f / (1f + MathF.Exp(50f))];
        for (int i = 0; i < 5; i++) Assert.Equal((sigmoid[i] - targets.data[i]) / 5, grad[i], 6);
    }

    [Fact]
    public void Fit_on_unscaled_data_reports_scikit_learns_binary_loss()
    {
        // On large inputs the logits pass 17, where a float sigmoid rounds to 1 and a sample of class 0 cost the
        // cap, 36.04, where scikit-learn's float64 probability costs about the logit: here the reference's first
        // epoch read 1.63 and this 2.04. One batch per epoch: the first epoch's loss is that of the initial weights.
        const int N = 150, Features = 9;
        var (x, y) = Blobs(N, Features, 2, seed: 5);
        var unscaled = x * 20f;
        var clf = new MLPClassifier(hiddenLayerSizes: [7, 5], activation: "relu", alpha: 0.0001f, learningRateInit: 0.01f, maxIter: 3, tol: 0, nIterNoChange: 100, randomState: 3);
        clf.Fit(unscaled, y);
        var expected = Reference(unscaled.ToArray(), y, N, Features, 2, [7, 5], "relu", 0.0001, 0.01, 3, 3, out _);
        for (int i = 0; i < expected.Count; i++)
            Assert.True(Math.Abs(expected[i] - clf.LossCurve[i]) <= 1e-4 * expected[i], $"epoch {i + 1}: reference loss {expected[i]}, MLPClassifier {clf.LossCurve[i]}");
    }
}
