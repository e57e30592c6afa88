namespace ColorVariants.Api.Infrastructure;

public static class OpenApiSetup
{
    public static IServiceCollection AddColorVariantsOpenApi(this IServiceCollection services)
    {
        services.AddOpenApi(options => options.AddDocumentTransformer((document, _, _) =>
        {
            document.Info.Title = "ColorVariants";
            document.Info.Description = "Colour variants of fashion products: products of the same design in other colours, " +
                                        "found as nearest neighbours of a colour-blind image embedding.";
            return Task.CompletedTask;
        }));
        return services;
    }

    /// <summary>The OpenAPI document at /openapi/v1.json and Swagger UI at /swagger.</summary>
    public static WebApplication MapColorVariantsOpenApi(this WebApplication app)
    {
        app.MapOpenApi();
        app.UseSwaggerUI(ui =>
        {
            ui.SwaggerEndpoint("/openapi/v1.json", "ColorVariants v1");
            ui.RoutePrefix = "swagger";
            ui.DocumentTitle = "ColorVariants API";
        });
        return app;
    }
}
