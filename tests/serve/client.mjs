// client.mjs - the official OpenAI client (npm `openai`) against `model serve`,
// used unchanged but for its base URL. Run by tests/cli_serve.sh:
//   node client.mjs CHECK    with MODEL_BASE_URL (http://127.0.0.1:PORT/v1) and MODEL_NAME
// Each CHECK prints "ok ..." lines or throws (non-zero exit, the reason on stderr).
import OpenAI from "openai";

const baseURL = process.env.MODEL_BASE_URL;
const model = process.env.MODEL_NAME;
const client = new OpenAI({ baseURL, apiKey: "unused", maxRetries: 0, timeout: 120000 });

function assert(cond, what) {
  if (!cond) throw new Error("check failed: " + what);
}

// reasoning and answer together: R1's template opens <think>, and a random-weight
// model never closes it, so its text lands in reasoning_content
function textOf(msg) {
  return (msg.reasoning_content ?? "") + (msg.content ?? "");
}

async function chat() {
  const r = await client.chat.completions.create({
    model,
    messages: [{ role: "system", content: "Be brief." }, { role: "user", content: "Say hello." }],
    max_tokens: 12,
    temperature: 0,
    seed: 42,
  });
  assert(r.object === "chat.completion", "object is chat.completion");
  assert(r.choices.length === 1 && r.choices[0].message.role === "assistant", "one assistant choice");
  assert(textOf(r.choices[0].message).length > 0, "some text");
  assert(r.choices[0].finish_reason === "length", "finish_reason length after max_tokens, got " + r.choices[0].finish_reason);
  assert(r.usage.completion_tokens === 12 && r.usage.prompt_tokens > 0, "usage " + JSON.stringify(r.usage));
  assert(r.usage.total_tokens === r.usage.prompt_tokens + r.usage.completion_tokens, "total_tokens");
  const again = await client.chat.completions.create({
    model, messages: [{ role: "system", content: "Be brief." }, { role: "user", content: "Say hello." }],
    max_completion_tokens: 12, temperature: 0,
  });
  assert(textOf(again.choices[0].message) === textOf(r.choices[0].message), "greedy is repeatable");
  // a stop string taken from the middle of the greedy answer cuts it there
  const full = textOf(r.choices[0].message);
  const cut = [...full].slice(4, 7).join("");
  const stopped = await client.chat.completions.create({
    model, messages: [{ role: "system", content: "Be brief." }, { role: "user", content: "Say hello." }],
    max_tokens: 12, temperature: 0, stop: [cut],
  });
  assert(stopped.choices[0].finish_reason === "stop", "finish_reason stop at a stop string");
  assert(textOf(stopped.choices[0].message) === full.slice(0, full.indexOf(cut)),
    `text ends before the stop string ${JSON.stringify(cut)}: ${JSON.stringify(textOf(stopped.choices[0].message))}`);
  // a seed makes sampling repeatable
  const s1 = await client.chat.completions.create({ model, messages: [{ role: "user", content: "Hi" }], max_tokens: 8, temperature: 1, seed: 7 });
  const s2 = await client.chat.completions.create({ model, messages: [{ role: "user", content: "Hi" }], max_tokens: 8, temperature: 1, seed: 7 });
  assert(textOf(s1.choices[0].message) === textOf(s2.choices[0].message), "same seed, same text");
  const c = await client.completions.create({ model, prompt: "Once upon a time", max_tokens: 5, temperature: 0 });
  assert(c.object === "text_completion" && c.choices[0].text.length > 0 && c.usage.completion_tokens === 5, "legacy completion");
  const m = await client.models.list();
  assert(m.data.some((x) => x.id === model), "models.list has " + model);
  const one = await client.models.retrieve(model);
  assert(one.id === model, "models.retrieve");
  let status = 0;
  try {
    await client.chat.completions.create({ model: "no-such-model", messages: [{ role: "user", content: "x" }] });
  } catch (e) {
    status = e.status;
    assert(e.error && e.error.message && e.error.type, "error shape " + JSON.stringify(e.error));
  }
  assert(status === 404, "unknown model is a 404, got " + status);
  try {
    status = 0;
    await client.chat.completions.create({ model, messages: [{ role: "user", content: "x" }], temperature: 9 });
  } catch (e) {
    status = e.status;
  }
  assert(status === 400, "temperature 9 is a 400, got " + status);
  console.log("ok chat, completion, models, errors through the openai client");
}

async function streamText(content, max_tokens) {
  const s = await client.chat.completions.create({
    model, messages: [{ role: "user", content }], max_tokens, temperature: 0, stream: true,
    stream_options: { include_usage: true },
  });
  let text = "", finish = null, usage = null, chunks = 0;
  for await (const ch of s) {
    chunks++;
    if (ch.usage) usage = ch.usage;
    const c = ch.choices[0];
    if (!c) continue;
    text += (c.delta.reasoning_content ?? "") + (c.delta.content ?? "");
    if (c.finish_reason) finish = c.finish_reason;
  }
  return { text, finish, usage, chunks };
}

async function stream() {
  const r = await streamText("Tell me a story.", 16);
  assert(r.chunks > 2 && r.text.length > 0, "streamed chunks");
  assert(r.finish === "length", "finish_reason length");
  assert(r.usage && r.usage.completion_tokens === 16, "usage chunk " + JSON.stringify(r.usage));
  const whole = await client.chat.completions.create({
    model, messages: [{ role: "user", content: "Tell me a story." }], max_tokens: 16, temperature: 0,
  });
  assert(textOf(whole.choices[0].message) === r.text, "streamed text equals the whole answer");
  // the SDK's stream helper, which rebuilds the completion from the deltas
  const helper = client.chat.completions.stream({
    model, messages: [{ role: "user", content: "Tell me a story." }], max_tokens: 16, temperature: 0,
  });
  const final = await helper.finalChatCompletion();
  // (the helper keeps only the last piece of fields it does not know, like reasoning_content)
  assert(final.choices[0].finish_reason === "length" && final.choices[0].message.role === "assistant",
    "stream helper: " + JSON.stringify(final.choices[0]));
  console.log("ok streamed chat with include_usage, and the SDK's stream helper");
}

const tools = [{
  type: "function",
  function: {
    name: "get_weather",
    description: "Current weather in a city",
    parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
  },
}];

// A random-weight model will not decide to call a tool, so the round trip gives
// it the call (as the assistant turn) and the tool's answer, and checks that
// they reach the template (the prompt grows by them) and that the answer has
// the right shape. Parsing the model's call markup is tests/test_toolcall.c's job.
async function toolsCheck() {
  const first = await client.chat.completions.create({
    model, messages: [{ role: "user", content: "Weather in Paris?" }], tools, tool_choice: "auto",
    max_tokens: 8, temperature: 0,
  });
  const fr = first.choices[0].finish_reason;
  assert(["stop", "length", "tool_calls"].includes(fr), "finish_reason " + fr);
  const call = { id: "call_abc123", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } };
  const base = [{ role: "user", content: "Weather in Paris?" }];
  const round = [...base, { role: "assistant", content: null, tool_calls: [call] },
    { role: "tool", tool_call_id: "call_abc123", content: '{"temperature": 21, "sky": "clear"}' }];
  const second = await client.chat.completions.create({ model, messages: round, tools, max_tokens: 8, temperature: 0 });
  assert(second.choices[0].message.role === "assistant", "answer after the tool result");
  assert(second.usage.prompt_tokens > first.usage.prompt_tokens + 10,
    `tool call and result are in the prompt (${second.usage.prompt_tokens} vs ${first.usage.prompt_tokens} tokens)`);
  const s = await client.chat.completions.create({ model, messages: round, tools, max_tokens: 4, temperature: 0, stream: true });
  let n = 0;
  for await (const ch of s) n += ch.choices.length;
  assert(n > 0, "streamed answer after the tool result");
  let status = 0;
  try {
    await client.chat.completions.create({ model, messages: base, tools: [{ type: "function", function: {} }] });
  } catch (e) { status = e.status; }
  assert(status === 400, "a tool without a name is a 400, got " + status);
  // the SDK's tool runner, as in its README, plain and streamed
  for (const stream of [false, true]) {
    const runner = client.chat.completions.runTools({
      // the runner refuses answers cut by max_tokens, so a stop string ends this one
      model, messages: [{ role: "user", content: "Weather in Paris?" }], max_tokens: 64, stop: [" "], temperature: 0, stream,
      tools: [{ type: "function", function: {
        name: "get_weather", parameters: tools[0].function.parameters, parse: JSON.parse,
        function: async ({ city }) => ({ city, temperature: 21 }),
      } }],
    });
    const fin = await runner.finalChatCompletion();
    assert(fin.choices[0].message.role === "assistant", "runTools " + (stream ? "streamed" : "plain"));
  }
  console.log("ok tools and role:tool messages through the template; the SDK's runTools");
}

async function concurrent() {
  const prompts = Array.from({ length: 8 }, (_, i) => `Question number ${i}: what comes next?`);
  const alone = [];
  for (const p of prompts) alone.push((await streamText(p, 24)).text);
  const t0 = Date.now();
  const together = await Promise.all(prompts.map((p) => streamText(p, 24)));
  const ms = Date.now() - t0;
  for (let i = 0; i < 8; i++) {
    assert(together[i].finish === "length" && together[i].usage.completion_tokens === 24, `request ${i} completed`);
    assert(together[i].text === alone[i], `request ${i}: same tokens together as alone`);
  }
  assert(new Set(alone).size > 1, "different prompts give different answers (the check can fail)");
  console.log(`ok 8 concurrent streamed greedy requests match their solo runs (${ms} ms together)`);
}

async function ps() {
  const r = await fetch(baseURL.replace(/\/v1$/, "") + "/api/ps");
  return (await r.json()).models;
}

async function disconnect() {
  await streamText("warm up", 1);
  const before = (await ps()).find((x) => x.active === 0).tokens_generated;
  const ac = new AbortController();
  const s = await client.chat.completions.create(
    { model, messages: [{ role: "user", content: "Go on forever." }], max_tokens: 3000, temperature: 0, stream: true },
    { signal: ac.signal });
  let got = 0;
  try {
    for await (const ch of s) {
      if (++got === 3) ac.abort();
    }
  } catch (e) {
    assert(e.name === "APIUserAbortError" || e.name === "AbortError", "aborted: " + e.name);
  }
  let busy = true;
  for (let i = 0; i < 100 && busy; i++) {
    const m = await ps();
    busy = m.some((x) => x.active > 0);
    if (busy) await new Promise((r) => setTimeout(r, 100));
  }
  assert(!busy, "the slot is free again within 10 s of the client leaving");
  const spent = (await ps())[0].tokens_generated - before;
  assert(spent < 1500, `generation stopped early (${spent} of 3000 tokens)`);
  const r = await streamText("Still there?", 4);
  assert(r.finish === "length", "the server serves on");
  console.log("ok a client leaving mid-stream frees its slot");
}

// A conversation's next turn lands on the slot whose KV cache holds its start,
// even with --parallel slots and other conversations in between.
async function cache() {
  const ask = (messages) => client.chat.completions.create({ model, messages, max_tokens: 6, temperature: 0 });
  const x = [{ role: "user", content: "Conversation X: tell me about the sea and the ships that sail on it." }];
  const x1 = await ask(x);
  await ask([{ role: "user", content: "Conversation Y, something else entirely." }]);
  const x2 = await ask([...x, { role: "assistant", content: x1.choices[0].message.content }, { role: "user", content: "And then?" }]);
  const cached = x2.usage.prompt_tokens_details?.cached_tokens ?? 0;
  assert(cached >= x1.usage.prompt_tokens / 2,
    `turn 2 reuses turn 1's KV cache (${cached} cached of ${x2.usage.prompt_tokens}; turn 1 had ${x1.usage.prompt_tokens})`);
  console.log(`ok the next turn reuses its slot's KV cache (${cached} of ${x2.usage.prompt_tokens} prompt tokens cached)`);
}

const checks = { chat, stream, tools: toolsCheck, concurrent, disconnect, cache };
const name = process.argv[2];
if (!checks[name]) {
  console.error("usage: node client.mjs " + Object.keys(checks).join("|"));
  process.exit(2);
}
checks[name]().catch((e) => {
  console.error(e.stack || String(e));
  process.exit(1);
});
