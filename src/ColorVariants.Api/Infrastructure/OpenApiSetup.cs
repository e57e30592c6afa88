using System.Text.Json.Nodes;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace ColorVariants.Api.Infrastructure;

public static class OpenApiSetup
{
    private const string ApiKeyScheme = "ApiKey";

    public static IServiceCollection AddColorVariantsOpenApi(this IServiceCollection services)
    {
        // Numbers are numbers: the web default also reads "0.5" as one, which the document then types
        // number-or-string, and generated clients get a union for every score.
        services.ConfigureHttpJsonOptions(json => json.SerializerOptions.NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.Strict);
        services.AddOpenApi(options =>
        {
            options.AddDocumentTransformer((document, _, _) =>
            {
                // Relative: the document is served by the service it describes. The framework put the
                // request's own Host here, so a client could be shown any host it sent.
                document.Servers = [new OpenApiServer { Url = "/" }];
                document.Info.Title = "ColorVariants";
                document.Info.Description = "Colour variants of fashion products: products of the same design in other colours, " +
                                            "found as nearest neighbours of a colour-blind image embedding. Errors are RFC 9457 problem details.";
                document.Components ??= new OpenApiComponents();
                document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
                document.Components.SecuritySchemes[ApiKeyScheme] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.ApiKey,
                    In = ParameterLocation.Header,
                    Name = ApiKeys.Header,
                    Description = "The service's key (Upload:ApiKey), needed by catalog writes when the service has one; searches by image need it or Search:ApiKey when that is set.",
                };
                return Task.CompletedTask;
            });
            // Writes name the scheme, so Swagger UI's Authorize sends the key with "Try it out".
            options.AddOperationTransformer((operation, context, _) =>
            {
                var metadata = context.Description.ActionDescriptor.EndpointMetadata;
                var searchKeyed = metadata.OfType<ApiKeys.SearchMetadata>().Any()
                                  && !string.IsNullOrEmpty(context.ApplicationServices.GetRequiredService<Microsoft.Extensions.Options.IOptions<SearchOptions>>().Value.ApiKey);
                if (metadata.OfType<ApiKeys.RequiredMetadata>().Any() || searchKeyed)
                {
                    operation.Security ??= [];
                    operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(ApiKeyScheme, context.Document)] = [] });
                }
                return Task.CompletedTask;
            });
            options.AddOperationTransformer<ExamplesTransformer>();
        });
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

    /// <summary>Parameter descriptions and request/response examples, so Swagger UI can be tried as is.</summary>
    private sealed class ExamplesTransformer : IOpenApiOperationTransformer
    {
        private static readonly Dictionary<string, string> ParameterDescriptions = new()
        {
            ["sku"] = "Product id: 1-64 letters, digits, '-', '_' or '.'; leading zeros count.",
            ["limit"] = "How many variants, 1-100 (default 10).",
            ["minScore"] = "Leave out variants with a lower cosine similarity (-1 to 1).",
            ["sameCategory"] = "Keep to the product's category (default: true when it has one).",
        };

        // 0685816001 as deploy/local/run.sh imports it from the dev catalog (../shared/datasets/hm-colour-variants-dev,
        // catalog.csv line 947: the unknown columns become attributes), with its image's real hash and size; the
        // variants are other colours of style 685816 with scores of the served default model; swatches as
        // `colorvariants swatches --csv` reads them.
        private const string Product = """
            {"sku":"0685816001","category":"T-shirt","name":"RONNY REG RN T-SHIRT","colour":"White",
             "attributes":{"colour_master":"White","department":"Light Basic Jersey","group":"Garment Upper body","pattern":"Solid"},
             "imageUrl":"/products/0685816001/image?v=64393354575c5ddb",
             "image":{"sha256":"64393354575c5ddbc3705a9820921f9dc598ef3b59d37c9405f589743eaf1992","mediaType":"image/jpeg","width":171,"height":256,"bytes":5047},
             "createdAt":"2026-12-02T07:40:00Z","updatedAt":"2026-12-02T07:40:00Z","swatch":{"hex":"#d8dbe8","name":"light grey"}}
            """;

        private const string Variants = """
            {"sku":"0685816001","category":"T-shirt","swatch":{"hex":"#d8dbe8","name":"light grey"},"model":"MODEL","variants":[
             {"sku":"0685816002","score":0.95,"category":"T-shirt","name":"RONNY REG RN T-SHIRT","colour":"Black","imageUrl":"/products/0685816002/image?v=SHA2","swatch":{"hex":"#161419","name":"black"},"sameColour":false},
             {"sku":"0685816049","score":0.94,"category":"T-shirt","name":"RONNY REG RN T-SHIRT","colour":"Grey","imageUrl":"/products/0685816049/image?v=SHA49","swatch":{"hex":"#636270","name":"grey"},"sameColour":false}]}
            """;

        private const string Problem = """
            {"type":"https://tools.ietf.org/html/rfc9110#section-15.5.16","title":"Unsupported image type","status":415,
             "detail":"The content is GIF; this service reads JPEG, PNG and WebP."}
            """;

        public Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
        {
            foreach (var parameter in operation.Parameters ?? [])
            {
                if (parameter is OpenApiParameter concrete && concrete.Name is { } name && ParameterDescriptions.TryGetValue(name, out var description))
                {
                    concrete.Description = description;
                    if (name == "sku") concrete.Example = JsonValue.Create("0685816001");
                }
            }

            var example = operation.OperationId switch
            {
                "PutProduct" or "GetProduct" => Product,
                "GetVariants" => Variants,
                "SearchVariants" => Variants.Replace("\"sku\":\"0685816001\",\"category\":\"Vest top\",", "\"category\":\"Vest top\",", StringComparison.Ordinal),
                _ => null,
            };
            foreach (var (status, response) in operation.Responses ?? [])
            {
                if (response.Content is null) continue;
                foreach (var (mediaType, content) in response.Content)
                {
                    if (content is not OpenApiMediaType media) continue;
                    if (mediaType == "application/json" && example is not null && status.StartsWith('2'))
                        media.Example = JsonNode.Parse(example);
                    else if (mediaType == "application/problem+json" && status == "415")
                        media.Example = JsonNode.Parse(Problem);
                }
            }
            return Task.CompletedTask;
        }
    }
}
