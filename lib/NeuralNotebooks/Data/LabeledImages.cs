using System.Globalization;
using NeuralNotebooks.Kernels;
using NeuralNotebooks.Display;

namespace NeuralNotebooks;

/// <summary>
/// Images with their class labels: <c>Images</c> is (N, height, width) or (N, height, width, channels)
/// with pixels in [0, 1]; <c>Labels</c> holds each image's class index. Deconstructs like Keras's
/// pairs: <c>var (x, y) = train;</c>.
/// </summary>
public sealed record LabeledImages(Tensor Images, int[] Labels)
{
    /// <summary>The images, (N, height, width) or (N, height, width, channels).</summary>
    // Get-only, as Labels: a `with { Images = ... }` would skip the check below.
    public Tensor Images { get; } = Images;

    /// <summary>Each image's class index, one per image: checked when made, since a mismatch failed much later, in a gather, naming neither.</summary>
    public int[] Labels { get; } = Images.Rank > 0 && Images.Shape[0] == Labels.Length ? Labels
        : throw new ArgumentException($"LabeledImages: {Labels.Length} labels for images of shape {Images.Shape}; there must be one label per image.");

    /// <summary>The number of images.</summary>
    public int Count => Labels.Length;

    /// <summary>The labels as a float tensor of shape (N,), for losses and metrics that take tensors.</summary>
    public Tensor LabelTensor => new(Labels.Select(l => (float)l).ToArray(), Labels.Length);

    /// <summary>The first <paramref name="count"/> images and labels (a copy).</summary>
    public LabeledImages Take(int count) => count >= 0 && count <= Count ? new(Images[..count], Labels[..count])
        : throw new ArgumentOutOfRangeException(nameof(count), $"Take: {count} images asked for, of {Count} (images of shape {Images.Shape}).");

    /// <summary>
    /// Splits off a validation set, stratified: each class keeps its share in both parts. As scikit-learn's
    /// <c>train_test_split(..., stratify=y)</c>, the validation set has ⌈fraction·N⌉ images, shared among the classes
    /// in proportion to their sizes (the rounding's leftovers to the classes with the largest remainders). Each part
    /// must hold at least one image of every class: a split that would leave a class out of either part is refused
    /// (a class of one image, or one so small that its share of the validation set rounds to none or to all of it;
    /// a larger or smaller fraction, or more images of that class, mends it). The split is drawn from a seeded
    /// generator, so the same seed gives the same split.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The fraction is not between 0 and 1.</exception>
    /// <exception cref="ArgumentException">A class would be missing from either part; the message names it.</exception>
    public (LabeledImages Train, LabeledImages Validation) Split(double validationFraction, int seed = 0)
    {
        if (validationFraction is not (> 0 and < 1))
            throw new ArgumentOutOfRangeException(nameof(validationFraction), $"The validation fraction must be between 0 and 1, got {validationFraction}.");
        var groups = Enumerable.Range(0, Count).GroupBy(i => Labels[i]).OrderBy(g => g.Key).Select(g => g.ToArray()).ToArray();
        // Rounded per class, the total drifted: 10 classes of 25 at 0.1 gave 20 (2.5 rounds to 2), of 5 none at all.
        int total = (int)Math.Ceiling(validationFraction * Count);
        if (total < groups.Length || Count - total < groups.Length)
            throw new ArgumentException($"Split({validationFraction.ToString(CultureInfo.InvariantCulture)}): {Count} images of {groups.Length} classes would leave {total} for validation and {Count - total} for training; a stratified split needs at least one image of each class in each part.", nameof(validationFraction));
        var shares = groups.Select(g => (double)g.Length * total / Count).ToArray();
        var counts = shares.Select(s => (int)Math.Floor(s)).ToArray();
        foreach (int k in Enumerable.Range(0, groups.Length).OrderByDescending(k => shares[k] - counts[k]).ThenBy(k => k).Take(total - counts.Sum()))
            counts[k]++;
        // Enough images for every class in each part, the rounding could still leave a small class out of one,
        // silently: 96, 2 and 2 images at 0.1 gave 10 of class 0 for validation.
        for (int k = 0; k < groups.Length; k++)
            if (counts[k] == 0 || counts[k] == groups[k].Length)
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                    $"Split({validationFraction}): class {Labels[groups[k][0]]}, of {groups[k].Length} image{(groups[k].Length == 1 ? "" : "s")}, would have none in {(counts[k] == 0 ? "validation" : "training")} (its share of the {total} validation images rounds to {counts[k]}); a stratified split needs at least one image of each class in each part."),
                    nameof(validationFraction));
        var rng = new Rng(seed);
        var train = new List<int>();
        var validation = new List<int>();
        for (int k = 0; k < groups.Length; k++)
        {
            var members = groups[k];
            rng.Shuffle<int>(members);
            validation.AddRange(members[..counts[k]]);
            train.AddRange(members[counts[k]..]);
        }
        train.Sort(); validation.Sort();
        return (Gather(train), Gather(validation));
    }

    /// <summary>The images and labels at the given indices, in that order (a copy).</summary>
    public LabeledImages Gather(IReadOnlyList<int> indices)
    {
        int per = Count == 0 ? 0 : Images.Size / Count;
        var dims = Images.Shape.ToArray();
        dims[0] = indices.Count;
        var pixels = HugePages.UninitializedArray(indices.Count * per);   // every element is written below
        var labels = new int[indices.Count];
        for (int k = 0; k < indices.Count; k++)
        {
            if ((uint)indices[k] >= (uint)Count)
                throw new ArgumentOutOfRangeException(nameof(indices), $"Gather: index {indices[k]} (at position {k}) is outside 0..{Count - 1} for images of shape {Images.Shape}.");
            Images.data.AsSpan(indices[k] * per, per).CopyTo(pixels.AsSpan(k * per, per));
            labels[k] = Labels[indices[k]];
        }
        return new LabeledImages(new Tensor(pixels, dims), labels);
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Count} images {Images.Shape} with labels";
}

/// <summary>A dataset's training and test parts, deconstructible like Keras's <c>load_data()</c>: <c>var ((xTrain, yTrain), (xTest, yTest)) = Mnist.Load();</c>.</summary>
public sealed record ImageDataset(string Name, LabeledImages Train, LabeledImages Test, IReadOnlyList<string> ClassNames)
{
    /// <summary>Deconstructs into the training and test parts.</summary>
    public void Deconstruct(out LabeledImages train, out LabeledImages test) { train = Train; test = Test; }

    /// <inheritdoc/>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Name}: {Train.Count:N0} training and {Test.Count:N0} test images of shape {Train.Images.Shape}, {ClassNames.Count} classes");
}
