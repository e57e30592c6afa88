using System.Globalization;

namespace ColorVariants.Api.Models;

/// <summary>
/// The model this process embeds with, as registered in the database. Its id and dimension are
/// written into the SQL as literals so PostgreSQL matches the model's partial HNSW index
/// (WHERE model_id = N, on embedding::halfvec(D)) in every plan, generic or custom.
/// </summary>
public sealed class ActiveModel
{
    public ActiveModel(int id, string name, string sha256, int dimensions)
    {
        Id = id;
        Name = name;
        Sha256 = sha256;
        Dimensions = dimensions;
        var d = dimensions.ToString(CultureInfo.InvariantCulture);
        IndexName = string.Create(CultureInfo.InvariantCulture, $"embeddings_hnsw_model_{id}");
        Vector = $"embedding::halfvec({d})";
        Filter = string.Create(CultureInfo.InvariantCulture, $"model_id = {id}");
        Cast = $"::halfvec({d})";
    }

    public int Id { get; }
    public string Name { get; }
    public string Sha256 { get; }
    public int Dimensions { get; }
    public string IndexName { get; }
    /// <summary>The indexed expression: <c>embedding::halfvec(D)</c>.</summary>
    public string Vector { get; }
    /// <summary><c>model_id = N</c>: the partial index's predicate.</summary>
    public string Filter { get; }
    /// <summary><c>::halfvec(D)</c>, for parameters compared with <see cref="Vector"/>.</summary>
    public string Cast { get; }
}
