using System.Text.Json;
using System.Text.Json.Serialization;
using ColorVariants.Api.Embedding;
using ColorVariants.Api.Models;
using ColorVariants.Api.Products;
using ColorVariants.Api.Variants;
using Microsoft.AspNetCore.Mvc;

namespace ColorVariants.Api.Infrastructure;

/// <summary>Source-generated JSON for the API's answers: no reflection on the request path.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(ProductResponse))]
[JsonSerializable(typeof(VariantsResponse))]
[JsonSerializable(typeof(SearchResponse))]
[JsonSerializable(typeof(ModelResponse))]
[JsonSerializable(typeof(WhiteningRefit))]
[JsonSerializable(typeof(ThresholdCalibration))]
[JsonSerializable(typeof(Groups.GroupPage))]
[JsonSerializable(typeof(Groups.GroupResponse))]
[JsonSerializable(typeof(Reviews.ReviewRequest))]
[JsonSerializable(typeof(Reviews.ReviewResponse))]
[JsonSerializable(typeof(Reviews.ReviewList))]
[JsonSerializable(typeof(ThresholdRecalibration))]
[JsonSerializable(typeof(ProblemDetails))]
[JsonSerializable(typeof(HttpValidationProblemDetails))]
internal sealed partial class ApiJsonContext : JsonSerializerContext;
