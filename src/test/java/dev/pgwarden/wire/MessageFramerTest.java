package dev.pgwarden.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Predicate;

import org.junit.jupiter.api.Test;

import io.vertx.core.buffer.Buffer;

/** Feeds exact bytes into the framer and asserts the exact frames that come out. */
class MessageFramerTest {
    private static final HexFormat HEX = HexFormat.of();

    // Q "select 1": 51 0000000d "select 1" 00
    private static final String QUERY = "510000000d73656c656374203100";
    // P "" "select $1" 0 parameter types
    private static final String PARSE = "50000000110073656c65637420243100" + "0000";
    // S (Sync)
    private static final String SYNC = "5300000004";
    // X (Terminate)
    private static final String TERMINATE = "5800000004";
    // psql-like StartupMessage: user=alice database=shop (untyped)
    private static final String STARTUP = "00000022000300007573657200616c6963650064617461626173650073686f700000";
    // PasswordMessage "tok": 70 00000008 746f6b00
    private static final String PASSWORD = "7000000008746f6b00";

    private static Buffer bytes(String hex) {
        return Buffer.buffer(HEX.parseHex(hex));
    }

    /** Records every frame as hex, the type byte, the buffers it was shown and the batch ends. */
    private static final class Recorder implements MessageFramer.Visitor {
        final List<String> frames = new ArrayList<>();
        final List<Byte> types = new ArrayList<>();
        final List<Buffer> buffers = new ArrayList<>();
        final List<Buffer> slices = new ArrayList<>();
        int batchEnds;
        Predicate<Integer> continueAfter = n -> true; // argument: number of frames seen so far

        @Override
        public boolean onMessage(byte type, Buffer buf, int start, int end) {
            assertTrue(0 <= start && start < end && end <= buf.length(),
                    "frame range " + start + ".." + end + " outside a buffer of " + buf.length());
            frames.add(HEX.formatHex(buf.getBytes(start, end)));
            types.add(type);
            buffers.add(buf);
            slices.add(buf.slice(start, end));
            return continueAfter.test(frames.size());
        }

        @Override
        public void onBatchEnd(Buffer buf) {
            batchEnds++;
        }
    }

    private static MessageFramer typed() {
        return new MessageFramer(1 << 20, true);
    }

    @Test
    void oneCompleteMessageIsOneFrameSpanningTheWholeChunk() {
        MessageFramer framer = typed();
        Recorder r = new Recorder();
        Buffer chunk = bytes(QUERY);
        framer.feed(chunk, r);

        assertEquals(List.of(QUERY), r.frames);
        assertEquals(List.of((byte) 'Q'), r.types);
        assertSame(chunk, r.buffers.get(0), "a complete message is shown in the chunk it arrived in (no copy)");
        assertFalse(framer.hasBufferedBytes());
        assertEquals(0, framer.bufferedBytes());
        assertEquals(1, r.batchEnds);
    }

    @Test
    void severalMessagesInOneChunkAreSplitInOrderWithOneBatchEnd() {
        MessageFramer framer = typed();
        Recorder r = new Recorder();
        Buffer chunk = bytes(PARSE + SYNC + QUERY + TERMINATE);
        framer.feed(chunk, r);

        assertEquals(List.of(PARSE, SYNC, QUERY, TERMINATE), r.frames);
        assertEquals(List.of((byte) 'P', (byte) 'S', (byte) 'Q', (byte) 'X'), r.types);
        r.buffers.forEach(b -> assertSame(chunk, b));
        assertEquals(1, r.batchEnds);
        assertFalse(framer.hasBufferedBytes());
    }

    @Test
    void byteByByteFeedingYieldsTheSameFrames() {
        String stream = PARSE + SYNC + QUERY + TERMINATE;
        byte[] all = HEX.parseHex(stream);
        MessageFramer framer = typed();
        Recorder r = new Recorder();
        for (byte b : all) {
            framer.feed(Buffer.buffer(new byte[] { b }), r);
        }
        assertEquals(List.of(PARSE, SYNC, QUERY, TERMINATE), r.frames);
        assertEquals(all.length, r.batchEnds, "one batch end per feed, message or not");
        assertFalse(framer.hasBufferedBytes());
    }

    @Test
    void aSplitAtEveryByteBoundaryYieldsTheSameFrames() {
        String stream = QUERY + PARSE + SYNC;
        byte[] all = HEX.parseHex(stream);
        for (int cut = 0; cut <= all.length; cut++) {
            MessageFramer framer = typed();
            Recorder r = new Recorder();
            framer.feed(Buffer.buffer(java.util.Arrays.copyOfRange(all, 0, cut)), r);
            framer.feed(Buffer.buffer(java.util.Arrays.copyOfRange(all, cut, all.length)), r);
            assertEquals(List.of(QUERY, PARSE, SYNC), r.frames, "cut at byte " + cut);
            assertEquals(2, r.batchEnds, "cut at byte " + cut);
            assertFalse(framer.hasBufferedBytes(), "cut at byte " + cut);
        }
    }

    @Test
    void aLargeMessageInSmallChunksIsReassembledExactly() {
        // DataRow 'D' with one 5000-byte column
        byte[] value = new byte[5000];
        for (int i = 0; i < value.length; i++) {
            value[i] = (byte) (i * 31);
        }
        Buffer msg = Buffer.buffer().appendByte((byte) 'D').appendInt(4 + 2 + 4 + value.length)
                .appendShort((short) 1).appendInt(value.length).appendBytes(value);
        MessageFramer framer = typed();
        Recorder r = new Recorder();
        for (int pos = 0; pos < msg.length(); pos += 97) {
            framer.feed(msg.slice(pos, Math.min(pos + 97, msg.length())).copy(), r);
            if (pos + 97 < msg.length()) {
                assertEquals(pos + 97, framer.bufferedBytes());
                assertTrue(r.frames.isEmpty());
            }
        }
        assertEquals(List.of(HEX.formatHex(msg.getBytes())), r.frames);
    }

    @Test
    void visitorReturningFalseStopsAndResumeContinues() {
        MessageFramer framer = typed();
        Recorder r = new Recorder();
        r.continueAfter = n -> n != 1; // stop after the first frame
        framer.feed(bytes(QUERY + PARSE + SYNC), r);

        assertEquals(List.of(QUERY), r.frames);
        assertEquals(1, r.batchEnds);
        assertTrue(framer.hasBufferedBytes());
        assertEquals(HEX.parseHex(PARSE + SYNC).length, framer.bufferedBytes());

        framer.resume(r);
        assertEquals(List.of(QUERY, PARSE, SYNC), r.frames);
        assertEquals(2, r.batchEnds, "resume ends its own batch");
        assertFalse(framer.hasBufferedBytes());
    }

    @Test
    void stoppingTwiceKeepsTheRestForTheNextResume() {
        MessageFramer framer = typed();
        Recorder r = new Recorder();
        r.continueAfter = n -> false; // one frame per feed/resume
        framer.feed(bytes(QUERY + SYNC + TERMINATE), r);
        assertEquals(List.of(QUERY), r.frames);
        framer.resume(r);
        assertEquals(List.of(QUERY, SYNC), r.frames);
        framer.resume(r);
        assertEquals(List.of(QUERY, SYNC, TERMINATE), r.frames);
        assertFalse(framer.hasBufferedBytes());
        framer.resume(r); // nothing left: no frame
        assertEquals(3, r.frames.size());
    }

    @Test
    void bytesFedWhileStoppedAreAppendedBehindTheStoppedOnes() {
        MessageFramer framer = typed();
        Recorder r = new Recorder();
        r.continueAfter = n -> n != 1;
        framer.feed(bytes(QUERY + SYNC.substring(0, 4)), r); // stop after QUERY, 2 bytes of SYNC behind it
        assertEquals(List.of(QUERY), r.frames);
        framer.feed(bytes(SYNC.substring(4) + TERMINATE), r);
        assertEquals(List.of(QUERY, SYNC, TERMINATE), r.frames);
        assertFalse(framer.hasBufferedBytes());
    }

    @Test
    void untypedStartupPacketThenTypedMessages() {
        MessageFramer framer = new MessageFramer(1 << 20, false);
        Recorder r = new Recorder();
        framer.feed(bytes(STARTUP), r);
        assertEquals(List.of(STARTUP), r.frames);
        assertEquals(List.of((byte) 0), r.types, "untyped packets report type 0");

        framer.switchToTypedMessages();
        framer.feed(bytes(PASSWORD), r);
        assertEquals(List.of(STARTUP, PASSWORD), r.frames);
        assertEquals((byte) 'p', r.types.get(1));
    }

    @Test
    void sslRequestThenStartupAreBothUntyped() {
        MessageFramer framer = new MessageFramer(1 << 20, false);
        Recorder r = new Recorder();
        framer.feed(bytes("0000000804d2162f" + STARTUP), r);
        assertEquals(List.of("0000000804d2162f", STARTUP), r.frames);
    }

    @Test
    void switchingToTypedInsideTheVisitorFramesTheRestOfTheChunkTyped() {
        MessageFramer framer = new MessageFramer(1 << 20, false);
        Recorder r = new Recorder();
        r.continueAfter = n -> {
            if (n == 1) {
                framer.switchToTypedMessages();
            }
            return true;
        };
        framer.feed(bytes(STARTUP + PASSWORD), r); // a client pipelining its password
        assertEquals(List.of(STARTUP, PASSWORD), r.frames);
        assertEquals((byte) 'p', r.types.get(1));
    }

    /**
     * Exposes a bug: {@code scan} computes the header size once, so after the visitor switches to
     * typed mode a tail of exactly 4 bytes is read as a 5-byte header (IndexOutOfBoundsException)
     * instead of being buffered.
     */
    @Test
    void switchingToTypedInsideTheVisitorWithAFourByteTailBuffersTheTail() {
        MessageFramer framer = new MessageFramer(1 << 20, false);
        Recorder r = new Recorder();
        r.continueAfter = n -> {
            if (n == 1) {
                framer.switchToTypedMessages();
            }
            return true;
        };
        framer.feed(bytes(STARTUP + PASSWORD.substring(0, 8)), r); // startup + 'p' 00 00 00
        assertEquals(List.of(STARTUP), r.frames);
        assertEquals(4, framer.bufferedBytes());

        framer.feed(bytes(PASSWORD.substring(8)), r);
        assertEquals(List.of(STARTUP, PASSWORD), r.frames);
    }

    @Test
    void aLengthBelowFourIsAProtocolViolation() {
        for (String hex : new String[] { "5100000003", "5100000000", "51ffffffff", "5180000000" }) {
            ProtocolException e = assertThrows(ProtocolException.class, () -> typed().feed(bytes(hex), new Recorder()), hex);
            assertEquals("08P01", e.sqlState(), hex);
        }
        ProtocolException e = assertThrows(ProtocolException.class,
                () -> new MessageFramer(1 << 20, false).feed(bytes("00000003"), new Recorder()));
        assertEquals("08P01", e.sqlState());
    }

    @Test
    void lengthFourIsAnEmptyBodyAndValid() {
        MessageFramer framer = typed();
        Recorder r = new Recorder();
        framer.feed(bytes("4800000004"), r); // Flush
        assertEquals(List.of("4800000004"), r.frames);
    }

    @Test
    void aLengthOverTheMaximumIsRejectedFromTheHeaderAlone() {
        MessageFramer framer = new MessageFramer(1024, true);
        Recorder r = new Recorder();
        // only the 5 header bytes: 'Q' and a declared length of 1025
        ProtocolException e = assertThrows(ProtocolException.class, () -> framer.feed(bytes("5100000401"), r));
        assertEquals("54000", e.sqlState());
        assertTrue(r.frames.isEmpty());
    }

    @Test
    void aHeaderSplitAcrossFeedsIsCheckedOnceComplete() {
        MessageFramer framer = new MessageFramer(1024, true);
        Recorder r = new Recorder();
        framer.feed(bytes("51000004"), r); // 4 of the 5 header bytes: nothing to decide yet
        assertEquals(4, framer.bufferedBytes());
        ProtocolException e = assertThrows(ProtocolException.class, () -> framer.feed(bytes("01"), r));
        assertEquals("54000", e.sqlState());
    }

    @Test
    void aLengthOfExactlyTheMaximumIsAccepted() {
        MessageFramer framer = new MessageFramer(1024, true);
        Recorder r = new Recorder();
        framer.feed(bytes("5100000400"), r); // declared 1024: allowed, waits for the body
        assertTrue(r.frames.isEmpty());
        assertEquals(5, framer.bufferedBytes());
        framer.feed(Buffer.buffer(new byte[1020]), r);
        assertEquals(1, r.frames.size());
        assertEquals(1025, HEX.parseHex(r.frames.get(0)).length);
    }

    @Test
    void untypedLengthOverTheMaximumIsRejectedToo() {
        MessageFramer framer = new MessageFramer(1024, false);
        ProtocolException e = assertThrows(ProtocolException.class,
                () -> framer.feed(bytes("00000401"), new Recorder()));
        assertEquals("54000", e.sqlState());
    }

    /**
     * Before authentication the packet must not be allowed to grow to the configured maximum (64 MiB
     * by default), or an anonymous client makes the gateway buffer that much per connection.
     * PostgreSQL rejects startup packets over 10000 bytes (MAX_STARTUP_PACKET_LENGTH) with
     * "invalid length of startup packet" (08P01).
     */
    @Test
    void anUntypedStartupPacketIsCappedLikePostgresDoes() {
        MessageFramer framer = new MessageFramer(64 << 20, false);
        Recorder r = new Recorder();
        framer.feed(bytes("00002710"), r); // exactly 10000: allowed
        assertTrue(r.frames.isEmpty());

        MessageFramer big = new MessageFramer(64 << 20, false);
        ProtocolException e = assertThrows(ProtocolException.class, () -> big.feed(bytes("00002711"), new Recorder()));
        assertEquals("08P01", e.sqlState());
    }

    @Test
    void anUntypedPacketShorterThanEightBytesIsRejectedFromItsLength() {
        for (String hex : new String[] { "00000004", "00000007" }) {
            ProtocolException e = assertThrows(ProtocolException.class,
                    () -> new MessageFramer(1 << 20, false).feed(bytes(hex), new Recorder()), hex);
            assertEquals("08P01", e.sqlState(), hex);
        }
    }

    @Test
    void bytesPipelinedBehindAnSslRequestAreVisibleWhileItIsVisited() {
        // CVE-2021-23222 class: the caller must be able to see that bytes followed the SSLRequest.
        MessageFramer framer = new MessageFramer(1 << 20, false);
        List<Boolean> seen = new ArrayList<>();
        MessageFramer.Visitor v = (type, buf, start, end) -> {
            seen.add(framer.hasBufferedBytes());
            return false;
        };
        framer.feed(bytes("0000000804d2162f"), v);
        framer.feed(bytes("0000000804d2162f" + "51"), v); // one injected byte, not even a header
        assertEquals(List.of(false, true), seen);
        assertTrue(framer.hasBufferedBytes(), "the byte stays buffered after the visitor stopped");
        framer.discardBuffered();
        assertFalse(framer.hasBufferedBytes());
        assertEquals(0, framer.bufferedBytes());
    }

    @Test
    void constructorRejectsAMaximumOutsideOneKiBToOneGiB() {
        assertThrows(IllegalArgumentException.class, () -> new MessageFramer((1 << 30) + 1, true));
        assertThrows(IllegalArgumentException.class, () -> new MessageFramer(Integer.MAX_VALUE, true));
        assertThrows(IllegalArgumentException.class, () -> new MessageFramer(1023, true));
        assertThrows(IllegalArgumentException.class, () -> new MessageFramer(-1, true));
        new MessageFramer(1 << 30, true);
        new MessageFramer(1024, false);
        assertEquals(1 << 30, MessageFramer.HARD_MAX_MESSAGE_SIZE);
    }

    @Test
    void onBatchEndIsCalledOncePerFeedEvenWithoutACompleteMessage() {
        MessageFramer framer = typed();
        Recorder r = new Recorder();
        framer.feed(bytes("51"), r);
        assertEquals(1, r.batchEnds);
        framer.feed(bytes("0000000d73"), r);
        assertEquals(2, r.batchEnds);
        framer.feed(bytes("656c656374203100" + SYNC + QUERY), r);
        assertEquals(3, r.batchEnds);
        assertEquals(List.of(QUERY, SYNC, QUERY), r.frames);
    }

    @Test
    void slicesOfEarlierChunksStayValidAndTheTailIsCarried() {
        MessageFramer framer = typed();
        Recorder r = new Recorder();
        byte[] first = HEX.parseHex(QUERY + PARSE.substring(0, 6)); // QUERY + 3 bytes of PARSE
        Buffer chunk1 = Buffer.buffer(first);
        framer.feed(chunk1, r);
        assertEquals(List.of(QUERY), r.frames);
        assertEquals(3, framer.bufferedBytes(), "only the incomplete tail is carried");

        Buffer chunk2 = bytes(PARSE.substring(6) + SYNC);
        framer.feed(chunk2, r);
        assertEquals(List.of(QUERY, PARSE, SYNC), r.frames);

        // The chunk the caller handed in was not modified, and the slice kept from it still reads the same.
        assertEquals(HEX.formatHex(first), HEX.formatHex(chunk1.getBytes()));
        assertEquals(QUERY, HEX.formatHex(r.slices.get(0).getBytes()));
        // Frames of the second feed: PARSE spans the carried tail, SYNC follows it in the same buffer.
        assertSame(r.buffers.get(1), r.buffers.get(2));
        assertEquals(PARSE, HEX.formatHex(r.slices.get(1).getBytes()));
        assertEquals(SYNC, HEX.formatHex(r.slices.get(2).getBytes()));

        // Another feed must not overwrite what the earlier slices show.
        framer.feed(bytes(TERMINATE.substring(0, 4)), r);
        framer.feed(bytes(TERMINATE.substring(4) + QUERY), r);
        assertEquals(PARSE, HEX.formatHex(r.slices.get(1).getBytes()));
        assertEquals(SYNC, HEX.formatHex(r.slices.get(2).getBytes()));
        assertEquals(List.of(QUERY, PARSE, SYNC, TERMINATE, QUERY), r.frames);
    }

    @Test
    void discardBufferedDropsTheTail() {
        MessageFramer framer = typed();
        Recorder r = new Recorder();
        framer.feed(bytes(QUERY.substring(0, 10)), r);
        assertTrue(framer.hasBufferedBytes());
        framer.discardBuffered();
        assertFalse(framer.hasBufferedBytes());
        framer.feed(bytes(SYNC), r);
        assertEquals(List.of(SYNC), r.frames, "the discarded partial query must not prefix the next message");
    }

    @Test
    void aLayoutCheckSeesEveryTypedFrameBeforeTheVisitorAndItsRefusalStopsTheScan() {
        MessageFramer framer = new MessageFramer(1 << 20, true, FrontendLayout::check);
        Recorder r = new Recorder();
        // Query "select 1", then the Bind: 5 parameters declared, no bytes for them
        ProtocolException e = assertThrows(ProtocolException.class,
                () -> framer.feed(bytes(QUERY + "420000000a" + "0000" + "0000" + "0005" + SYNC), r));
        assertEquals(List.of(QUERY), r.frames);
        assertTrue(e.getMessage().startsWith("invalid Bind message"), e.getMessage());
    }

    @Test
    void startupPacketsAreNotLayoutChecked() {
        MessageFramer framer = new MessageFramer(1 << 20, false, FrontendLayout::check);
        Recorder r = new Recorder();
        framer.feed(bytes(STARTUP), r);
        assertEquals(List.of(STARTUP), r.frames);
    }
}
