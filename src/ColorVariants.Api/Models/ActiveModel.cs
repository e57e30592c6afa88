namespace ColorVariants.Api.Models;

/// <summary>The model this process embeds with, as registered in the catalog (<see cref="Storage.CatalogStore.RegisterModelAsync"/>).</summary>
public sealed record ActiveModel(int Id, string Name, string Sha256, int Dimensions);
