using ColorVariants.Api.Gallery;
using ColorVariants.Api.Groups;
using ColorVariants.Api.Health;
using ColorVariants.Api.Infrastructure;
using ColorVariants.Api.Models;
using ColorVariants.Api.Products;
using ColorVariants.Api.Reviews;
using ColorVariants.Api.Variants;

var builder = WebApplication.CreateBuilder(args);
builder.AddColorVariants();

var app = builder.Build();
app.UseColorVariantsErrors();
app.UseHeadAsGet(); // before routing: it turns HEAD into GET
app.UseRouting();
app.UseApiKeys(); // after routing (it reads the endpoint), before anything reads the body
app.UseRateLimiter();

app.MapColorVariantsOpenApi();
app.MapProducts();
app.MapVariants();
app.MapModels();
app.MapGroups();
app.MapReviews();
app.MapReviewPage();
app.MapGallery();
app.MapHealth();
app.MapGet("/", () => TypedResults.Redirect("/swagger")).ExcludeFromDescription();

app.Run();

/// <summary>The entry point, visible to WebApplicationFactory in the functional tests.</summary>
public partial class Program;
