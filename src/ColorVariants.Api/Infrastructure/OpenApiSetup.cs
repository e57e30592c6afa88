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

        // 0534164036 (a vest top with variants in its answer) as the served default answered on 2026-12-03 for the
        // dev set imported without labels (deploy/experiments/validation-catalog.py --all, then run.sh): its real image
        // hash and size, the scores, the verifier's probabilities and decisions of that catalog, swatches as read; the
        // attributes are the dev catalog's other columns, as deploy/local/run.sh imports them (catalog.csv).
        private const string Product = """
            {"sku":"0534164036","category":"Vest top","name":"NT Alva 2-pack(1)","colour":"Grey","attributes":{"colour_master":"Grey","department":"Jersey","group":"Garment Upper body","pattern":"Melange"},"imageUrl":"/products/0534164036/image?v=d6dc1bd9fbe587fb","image":{"sha256":"d6dc1bd9fbe587fbe691ed0d757095d73ecb79ed1e787d5c55dd7d19104d22ae","mediaType":"image/jpeg","width":171,"height":256,"bytes":6111},"createdAt":"2026-12-03T15:27:16.42422+00:00","updatedAt":"2026-12-03T15:27:16.42422+00:00","swatch":{"hex":"#bbbaba","name":"light grey"},"groupId":"0534164028"}
            """;

        private const string Variants = """
            {"sku":"0534164036","category":"Vest top","swatch":{"hex":"#bbbaba","name":"light grey"},"model":"MODEL","variantThreshold":0.38121,"variants":[{"sku":"0534164028","score":0.466109,"isVariant":true,"category":"Vest top","name":"NT Alva 2-pack(1)","colour":"Light Beige","imageUrl":"/products/0534164028/image?v=195641cf310b53a4","reviewed":null,"swatch":{"hex":"#c9b6ad","name":"light grey"},"sameColour":false,"probability":0.9504},{"sku":"0534164035","score":0.371328,"isVariant":true,"category":"Vest top","name":"NT Alva 2-pack(1)","colour":"Light Orange","imageUrl":"/products/0534164035/image?v=c4c3f77b971d2ea1","reviewed":null,"swatch":{"hex":"#e4d5d6","name":"light grey"},"sameColour":false,"probability":0.7457}]}
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
                    if (name == "sku") concrete.Example = JsonValue.Create("0534164036");
                }
            }

            var example = operation.OperationId switch
            {
                "PutProduct" or "GetProduct" => Product,
                "GetVariants" => Variants,
                "SearchVariants" => Variants.Replace("\"sku\":\"0534164036\",\"category\":\"Vest top\",\"swatch\":{\"hex\":\"#bbbaba\",\"name\":\"light grey\"},", "\"category\":\"Vest top\",", StringComparison.Ordinal),
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
