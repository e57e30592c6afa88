using ColorVariants.Api.Embedding;
using ColorVariants.Api.Storage;
using ColorVariants.Core.Images;

namespace ColorVariants.Api.Swatches;

/// <summary>
/// Gives a swatch to the products stored before swatches existed (migration 0006 leaves theirs
/// NULL), from their stored image. In the background after start-up rather than in the
/// migration: decoding a whole catalog takes minutes, and start-up (and with it every request)
/// would wait for it. One image at a time under the decode budget, so uploads and searches keep
/// the cores they need. What is left is whatever is still NULL in the database, so a restart
/// resumes where the last run stopped; new uploads get their swatch at intake and need none of this.
/// Run by Maintenance CatalogMaintenance at start-up.
/// </summary>
public sealed class SwatchBackfill(
    CatalogStore store,
    ImageEmbedder embedder,
    ILogger<SwatchBackfill> logger)
{
    public const int BatchSize = 64;

    /// <summary>Stored images that no longer decode, left without a swatch (and out of later batches) until the next start.</summary>
    private readonly List<string> _failed = [];

    /// <summary>One pass over the products without a swatch; returns how many it filled.</summary>
    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var total = await store.CountWithoutSwatchAsync(cancellationToken);
        if (total == 0) return 0;
        logger.LogInformation("Swatch backfill: {Total} products stored before swatches have none yet.", total);
        var done = 0;
        string? after = null;
        while (await store.NextWithoutSwatchAsync(after, _failed, BatchSize, cancellationToken) is { Count: > 0 } batch)
        {
            foreach (var item in batch)
            {
                if (await ReadAsync(item, cancellationToken) is not { } swatch) continue;
                await store.StoreSwatchAsync(item, swatch, cancellationToken);
                done++;
            }
            after = batch[^1].Sku;
            logger.LogInformation("Swatch backfill: {Done} of {Total} products done.", done, total);
        }
        return done;
    }

    private async Task<Swatch?> ReadAsync(PendingImage item, CancellationToken cancellationToken)
    {
        try
        {
            var header = ImageIntake.Inspect(item.Image, embedder.Limits);
            using (await embedder.DecodeBudget.AcquireAsync((long)header.Width * header.Height, cancellationToken))
                return await Task.Run(() =>
                {
                    using var image = ImageIntake.Decode(item.Image, embedder.Limits);
                    return Swatch.Of(image);
                }, cancellationToken);
        }
        catch (ImageRejectedException e)
        {
            logger.LogWarning("Product {Sku}: its stored image no longer passes intake ({Reason}); left without a swatch.", item.Sku, e.Message);
            _failed.Add(item.Sku);
            return null;
        }
    }
}
