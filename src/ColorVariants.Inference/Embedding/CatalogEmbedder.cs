using ColorVariants.Core.Catalog;
using ColorVariants.Core.Images;

namespace ColorVariants.Inference.Embedding;

/// <summary>A catalog product's embedding, or why it has none.</summary>
public sealed record CatalogVector(CatalogEntry Entry, float[]? Vector, string? Problem);

/// <summary>
/// Embeds the images of a catalog folder with a model, in batches: each batch is decoded and
/// letterboxed on every core, then run through the model in one call. What the evaluation and the
/// benchmarks use; the service embeds through its batching queue instead.
/// </summary>
public static class CatalogEmbedder
{
    public static IReadOnlyList<CatalogVector> Embed(
        EmbeddingModel model, IReadOnlyList<CatalogEntry> entries, int batchSize = 16, IProgress<int>? progress = null, CancellationToken cancellationToken = default,
        Action<SixLabors.ImageSharp.Image<SixLabors.ImageSharp.PixelFormats.Rgb24>, CatalogEntry>? alter = null)
    {
        var spec = model.Preprocessing;
        var inputs = new float[batchSize * spec.TensorLength];
        var outputs = new float[batchSize * model.Dimensions];
        var results = new CatalogVector[entries.Count];
        var limits = new IntakeLimits();

        for (var start = 0; start < entries.Count; start += batchSize)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var count = Math.Min(batchSize, entries.Count - start);
            var problems = new string?[count];
            Parallel.For(0, count, i =>
            {
                try
                {
                    using var square = ImageIntake.DecodeSquare(File.ReadAllBytes(entries[start + i].ImagePath), spec.InputSize, limits);
                    alter?.Invoke(square, entries[start + i]); // e.g. a made-up colour variant (Recolouring)
                    TensorWriter.Write(square, spec, inputs.AsSpan(i * spec.TensorLength, spec.TensorLength));
                }
                catch (Exception e) when (e is ImageRejectedException or IOException)
                {
                    problems[i] = e.Message;
                    inputs.AsSpan(i * spec.TensorLength, spec.TensorLength).Clear();
                }
            });
            model.Embed(inputs, count, outputs);
            for (var i = 0; i < count; i++)
            {
                results[start + i] = problems[i] is null
                    ? new CatalogVector(entries[start + i], outputs.AsSpan(i * model.Dimensions, model.Dimensions).ToArray(), null)
                    : new CatalogVector(entries[start + i], null, problems[i]);
            }
            progress?.Report(start + count);
        }
        return results;
    }
}
