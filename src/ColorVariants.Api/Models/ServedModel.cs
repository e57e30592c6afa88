namespace ColorVariants.Api.Models;

/// <summary>The model this process serves, once start-up has registered it in the catalog (<see cref="Infrastructure.CatalogStartup"/>).</summary>
public sealed class ServedModel
{
    private ActiveModel? _active;

    public ActiveModel Active => Volatile.Read(ref _active) ?? throw new InvalidOperationException("The model is not registered yet.");
    public bool IsRegistered => Volatile.Read(ref _active) is not null;

    public void Registered(ActiveModel model) => Volatile.Write(ref _active, model);
}
