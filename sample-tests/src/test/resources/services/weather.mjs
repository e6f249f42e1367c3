// Prints a city's forecast from the weather API (node's fetch: undici over node's own OpenSSL).
const api = process.env.WEATHER_API;
const city = process.argv[2];
const res = await fetch(`${api}/v2/forecast?city=${encodeURIComponent(city)}&days=2`, {
  headers: { Accept: 'application/json', 'X-Client': 'weather-sample/1.0' },
});
if (!res.ok) {
  console.error(`weather API answered ${res.status}`);
  process.exit(1);
}
const body = await res.json();
console.log(`${city}: ${body.days.map((d) => `${d.high}C`).join(', ')}`);
