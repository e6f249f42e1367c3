// A weather service meant to run in a container: an HTTP API in front of a third-party
// forecast API over HTTPS (fetch, OpenSSL inside node). It loads the station list from that
// API as it starts, before it serves anything.
import http from "node:http";

const api = process.env.WEATHER_API;
const key = process.env.WEATHER_KEY;

const stations = await (await fetch(`${api}/v1/stations`)).json();

http.createServer(async (req, res) => {
  const url = new URL(req.url, "http://localhost");
  const city = url.searchParams.get("city");
  if (url.pathname !== "/forecast" || !stations.includes(city)) {
    res.writeHead(404).end();
    return;
  }
  const forecast = await (await fetch(`${api}/v1/forecast?city=${encodeURIComponent(city)}`, {
    headers: { "X-Api-Key": key },
  })).json();
  const body = `${city}: ${forecast.summary}, ${forecast.high}°C`;
  res.writeHead(200, { "Content-Type": "text/plain; charset=utf-8" }).end(body);
}).listen(Number(process.env.PORT), "127.0.0.1", () => console.log("weather service ready"));
