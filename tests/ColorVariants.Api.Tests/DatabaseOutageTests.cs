using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Mvc;
using Npgsql;

namespace ColorVariants.Api.Tests;

/// <summary>The service reaches its database through a <see cref="TcpForwarder"/> the test can take down.</summary>
public sealed class ForwardedDatabaseFactory : CatalogApiFactory
{
    public TcpForwarder Forwarder { get; } = new(
        new NpgsqlConnectionStringBuilder(BaseConnectionString).Host!, new NpgsqlConnectionStringBuilder(BaseConnectionString).Port);

    protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
    [
        new("ConnectionStrings:Catalog", new NpgsqlConnectionStringBuilder(ConnectionString) { Host = "127.0.0.1", Port = Forwarder.Port, Timeout = 15 }.ConnectionString),
    ];

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await Forwarder.DisposeAsync();
    }
}

/// <summary>Issue 9, bug 5: with the database out of reach, data endpoints answer 503 with Retry-After, and recover by themselves.</summary>
public class DatabaseOutageTests(ForwardedDatabaseFactory factory) : IClassFixture<ForwardedDatabaseFactory>
{
    [Fact]
    public async Task Without_the_database_data_endpoints_answer_503_with_retry_after_and_recover_by_themselves()
    {
        var client = factory.CreateClient();
        var image = Uploads.Product(0, Uploads.Red);
        Assert.Equal(HttpStatusCode.Created, (await client.PutAsync("/products/outage-1", Uploads.Form(image, "Top"))).StatusCode);

        factory.Forwarder.Down();
        var requests = new Func<Task<HttpResponseMessage>>[]
        {
            () => client.GetAsync("/products/outage-1"),
            () => client.GetAsync("/products/outage-1/image"),
            () => client.GetAsync("/variants/outage-1"),
            () => client.GetAsync("/gallery/outage-1"),
            () => client.PutAsync("/products/outage-2", Uploads.Form(Uploads.Product(1, Uploads.Blue), "Top")),
            () => client.DeleteAsync("/products/outage-1"),
            () => client.PostAsync("/variants/search", Uploads.Form(image)),
            // Streamed exports check the database before their header: a 503, not a cut 200.
            () => client.GetAsync("/groups/export"),
            () => client.GetAsync("/reviews/export"),
        };
        foreach (var send in requests)
        {
            var response = await send();
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.Equal(TimeSpan.FromSeconds(5), response.Headers.RetryAfter?.Delta);
            Assert.Equal("Database unavailable", (await response.Content.ReadFromJsonAsync<ProblemDetails>())!.Title);
        }
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await client.GetAsync("/readyz")).StatusCode);

        // Back: the pool drops the connections that broke and opens new ones, with no restart.
        factory.Forwarder.Up();
        HttpResponseMessage? back = null;
        for (var attempt = 0; attempt < 20 && back?.StatusCode != HttpStatusCode.OK; attempt++)
        {
            if (attempt > 0) await Task.Delay(250);
            back = await client.GetAsync("/products/outage-1");
            Assert.Contains(back.StatusCode, new[] { HttpStatusCode.OK, HttpStatusCode.ServiceUnavailable });
        }
        Assert.Equal(HttpStatusCode.OK, back!.StatusCode);
        Assert.Equal(image, await client.GetByteArrayAsync("/products/outage-1/image"));
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/products/outage-2")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/readyz")).StatusCode);
    }
}

public class DatabaseUnavailableTests
{
    [Theory]
    [InlineData("57P01", true)] // admin shutdown
    [InlineData("57P03", true)] // cannot connect now (starting up)
    [InlineData("53100", true)] // disk full
    [InlineData("53300", true)] // too many connections
    [InlineData("08006", true)] // connection failure
    [InlineData("23505", false)] // unique violation: the statement, not the database
    [InlineData("22021", false)] // bad byte sequence: the input
    [InlineData("40001", false)] // serialization failure: retried by its caller, not the client
    public void Server_errors_are_unavailability_only_for_connection_and_resource_states(string sqlState, bool unavailable) =>
        Assert.Equal(unavailable, Infrastructure.ErrorHandling.IsDatabaseUnavailable(new PostgresException("m", "ERROR", "ERROR", sqlState)));

    [Fact]
    public void Broken_or_refused_connections_are_unavailability_and_other_errors_are_not()
    {
        Assert.True(Infrastructure.ErrorHandling.IsDatabaseUnavailable(new NpgsqlException("refused", new System.Net.Sockets.SocketException((int)System.Net.Sockets.SocketError.ConnectionRefused))));
        Assert.True(Infrastructure.ErrorHandling.IsDatabaseUnavailable(new NpgsqlException("cut", new EndOfStreamException())));
        Assert.True(Infrastructure.ErrorHandling.IsDatabaseUnavailable(new NpgsqlException("pool exhausted", new TimeoutException())));
        Assert.False(Infrastructure.ErrorHandling.IsDatabaseUnavailable(new InvalidOperationException("a bug")));
    }
}
