using System.Text.Json;
using ColorVariants.Api.Infrastructure;
using ColorVariants.Api.Storage;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ColorVariants.Api.Products;

/// <summary>The text fields of an upload, checked before anything is decoded or stored.</summary>
public static class ProductForm
{
    public const int MaxTextLength = 256;
    public const int MaxAttributes = 64;
    public const int MaxAttributeKeyLength = 64;
    public const int MaxAttributeValueLength = 1024;

    /// <summary>The fields, or the 400 that says which one is wrong.</summary>
    public static ProblemHttpResult? Read(string? category, string? name, string? colour, string? attributes, out ProductFields fields)
    {
        fields = new ProductFields(null, null, null, new Dictionary<string, string>());
        (string Field, string? Text)[] texts = [("category", Clean(category)), ("name", Clean(name)), ("colour", Clean(colour))];
        foreach (var (field, text) in texts)
        {
            if (text is null) continue;
            if (text.Length > MaxTextLength) return Problems.BadParameter(field, $"'{field}' has {text.Length} characters; at most {MaxTextLength} are allowed.");
            if (!StorableText.IsStorable(text)) return Problems.BadParameter(field, $"'{field}' {StorableText.Rule}.");
        }

        Dictionary<string, string?> parsed = [];
        if (!string.IsNullOrWhiteSpace(attributes))
        {
            try
            {
                parsed = JsonSerializer.Deserialize<Dictionary<string, string?>>(attributes) ?? [];
            }
            catch (JsonException)
            {
                return BadAttributes("must be a JSON object of strings");
            }
        }
        if (parsed.Count > MaxAttributes) return BadAttributes($"has {parsed.Count} keys; at most {MaxAttributes} are allowed");
        foreach (var (key, value) in parsed)
        {
            if (value is null) return BadAttributes($"must be a JSON object of strings; '{Shorten(key)}' is null");
            if (key.Length is 0 or > MaxAttributeKeyLength) return BadAttributes($"keys must have 1 to {MaxAttributeKeyLength} characters");
            if (value.Length > MaxAttributeValueLength) return BadAttributes($"values may have at most {MaxAttributeValueLength} characters; '{Shorten(key)}' has {value.Length}");
            if (!StorableText.IsStorable(key) || !StorableText.IsStorable(value)) return BadAttributes($"keys and values {StorableText.Rule}");
        }

        fields = new ProductFields(texts[0].Text, texts[1].Text, texts[2].Text, parsed.ToDictionary(kv => kv.Key, kv => kv.Value!));
        return null;
    }

    private static string? Clean(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();

    private static string Shorten(string key) => key.Length <= MaxAttributeKeyLength ? key : key[..MaxAttributeKeyLength] + "…";

    private static ProblemHttpResult BadAttributes(string detail) => Problems.BadParameter("attributes", $"'attributes' {detail}.");
}
