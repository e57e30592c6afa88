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
}
