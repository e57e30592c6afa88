using ColorVariants.Core.Embedding;

namespace ColorVariants.Core.Tests.Embedding;

public class MinedPairsTests
{
    private static float[] Unit(float x, float y) { var v = new[] { x, y }; VectorMath.Normalize(v); return v; }

    [Fact]
    public void Only_mutual_nearest_neighbours_of_one_category_that_keep_accepts_are_pairs()
    {
        // 0 and 1 are each other's nearest; 2's nearest is 1, but 1's is 0: not mutual.
        // 3 is nearest to 0 overall but in another category; 4 and 5 are a mutual pair there.
        float[][] vectors = [Unit(1, 0), Unit(1, 0.1f), Unit(1, 0.5f), Unit(1, 0.01f), Unit(0, 1), Unit(0.1f, 1)];
        string?[] categories = ["tops", "tops", "tops", "skirts", "skirts", "skirts"];

        Assert.Equal([(0, 1), (4, 5)], MinedPairs.MutualNearest(vectors, categories));
        Assert.Equal([(4, 5)], MinedPairs.MutualNearest(vectors, categories, (a, _) => a != 0));
    }
}
