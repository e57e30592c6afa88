namespace ColorVariants.Api.Infrastructure;

public static class HeadRequests
{
    /// <summary>
    /// HEAD is answered as GET without a body (RFC 9110 9.3.2): same status and headers, so a
    /// client or cache can check an image's ETag, type and length without fetching it. Minimal
    /// API routes match GET only, so the method is rewritten before routing, and the body is
    /// dropped here rather than left to the server (Kestrel drops it, a test server would not).
    /// </summary>
    public static WebApplication UseHeadAsGet(this WebApplication app)
    {
        app.Use(async (context, next) =>
        {
            if (!HttpMethods.IsHead(context.Request.Method))
            {
                await next(context);
                return;
            }
            var body = context.Response.Body;
            context.Request.Method = HttpMethods.Get;
            context.Response.Body = Stream.Null;
            try
            {
                await next(context);
            }
            finally
            {
                context.Request.Method = HttpMethods.Head;
                context.Response.Body = body;
            }
        });
        return app;
    }
}
