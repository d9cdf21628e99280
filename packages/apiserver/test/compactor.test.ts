import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { Etcd3 } from "etcd3";
import { Compactor } from "../src/storage/compactor.js";
import { startTestEtcd, type TestEtcd } from "../src/testing/index.js";

describe("etcd compaction shared by several masters", () => {
  let etcd: TestEtcd;
  let client: Etcd3;
  before(async () => {
    etcd = await startTestEtcd();
    client = new Etcd3({ hosts: etcd.endpoint });
  });
  after(async () => {
    client.close();
    await etcd.stop();
  });

  const put = async (value: string): Promise<number> => Number((await client.kv.put({ key: Buffer.from("/registry/x"), value: Buffer.from(value) })).header.revision);
  const readableAt = async (revision: number): Promise<boolean> => {
    try {
      await client.kv.range({ key: Buffer.from("/registry/x"), revision });
      return true;
    } catch (err) {
      assert.match(String(err), /required revision has been compacted/);
      return false;
    }
  };

  test("one master compacts per round, to the revision of the round before; the other takes turns", async () => {
    const first = new Compactor(client, 60_000);
    const second = new Compactor(client, 60_000);
    const early = await put("a");
    await first.round(); // takes the turn, only records where history starts
    const recorded = await put("b");
    await second.round(); // loses the turn, learns the clock
    await put("c");
    assert.ok(await readableAt(early), "nothing is compacted on the first round");
    await first.round(); // compacts to what it recorded the round before
    assert.equal(await readableAt(early), false);
    assert.ok(await readableAt(recorded + 1), "history since the previous round survives");
    const beforeSecond = await put("d");
    await second.round(); // its clock is stale after first's round: it only learns
    assert.ok(await readableAt(recorded + 1));
    await second.round(); // now its turn: it compacts to what it saw at its last look
    assert.equal(await readableAt(recorded + 1), false);
    assert.ok(await readableAt(beforeSecond + 1));
  });
});
