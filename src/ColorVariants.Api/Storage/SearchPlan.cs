using ColorVariants.Api.Infrastructure;
using Microsoft.Extensions.Options;

namespace ColorVariants.Api.Storage;

public enum SearchMethod { Hnsw, Exact }

/// <summary>
/// The exact-versus-HNSW choice of a variant query, and nothing else. Without a category the
/// model's HNSW index answers. A category of at most <see cref="SearchOptions.ExactSearchMaxRows"/>
/// vectors is scanned exactly: a filtered HNSW scan loses recall when a category is spread thinly
/// across the index, and scanning a few thousand halfvecs takes milliseconds. A larger category
/// goes through HNSW with strict-order iterative scans (on for every connection,
/// ServiceRegistration), which go on until `limit` rows pass the filter. The variant statement
/// applies this rule itself (count up to <see cref="CountCategoryUpTo"/>, at most
/// <see cref="ExactSearchMaxRows"/>: exact), so the choice needs no round trip of its own;
/// <see cref="Choose"/> is that rule where the store has counted on its own.
/// </summary>
public sealed class SearchPlan(IOptions<SearchOptions> options)
{
    public int ExactSearchMaxRows { get; } = options.Value.ExactSearchMaxRows;

    /// <summary>How far a category is counted: one past the threshold is enough to know it is larger.</summary>
    public int CountCategoryUpTo => ExactSearchMaxRows + 1;

    /// <param name="categoryVectors">The category's vectors of the model, counted up to <see cref="CountCategoryUpTo"/>; unused without a category.</param>
    public SearchMethod Choose(string? category, int categoryVectors) =>
        category is not null && categoryVectors <= ExactSearchMaxRows ? SearchMethod.Exact : SearchMethod.Hnsw;
}
