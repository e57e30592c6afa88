using System.Diagnostics.CodeAnalysis;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ColorVariants.Api.Infrastructure;

public static class ImageForm
{
    /// <summary>
    /// True when the form holds exactly one `image` file; otherwise the 400 to answer. Binding
    /// takes the first of several silently, and which picture a product got would then depend on
    /// the client's part order.
    /// </summary>
    public static bool HasOne([NotNullWhen(true)] IFormFile? image, HttpRequest request, [NotNullWhen(false)] out ProblemHttpResult? problem)
    {
        problem = image is null
            ? Problems.BadParameter("image", "The multipart form has no 'image' file.")
            // The form was read to bind the file, so this reads no more of the body.
            : request.Form.Files.GetFiles("image").Count > 1
                ? Problems.BadParameter("image", "The multipart form has more than one 'image' file; send exactly one.")
                : null;
        return problem is null;
    }

    /// <summary>
    /// True when none of <paramref name="fields"/> comes twice; otherwise the 400 to answer. Binding
    /// joins two parts of one text field as "A,B", which would be stored (a category "A,B") or parsed as one.
    /// </summary>
    public static bool HasEachOnce(HttpRequest request, string[] fields, [NotNullWhen(false)] out ProblemHttpResult? problem)
    {
        var twice = fields.FirstOrDefault(f => request.Form[f].Count > 1);
        problem = twice is null ? null : Problems.BadParameter(twice, $"The multipart form has more than one '{twice}' field; send it once.");
        return problem is null;
    }
}
