"""Single LLVM instructions that Numba does not expose: population count, prefetch, vector row operations,
and the huge-page advice for memory a kernel allocates.

Each does what the plain numba loop it replaces does (the prefetch only hints the cache), so
kernels using them give the same results as without them.
"""

from __future__ import annotations

import sys

from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic


@intrinsic
def popcount64(typingctx, x):
    """Number of set bits of a uint64 (LLVM ``ctpop``: one POPCNT instruction on x86-64)."""
    if not isinstance(x, types.Integer):
        return None

    def codegen(context, builder, signature, args):
        return builder.ctpop(args[0])

    return types.uint64(types.uint64), codegen


@intrinsic
def prefetch_read(typingctx, arr, offset):
    """Hint the CPU to load the cache line of element ``offset`` of ``arr`` (counted in elements
    from the start of its data, so ``v * W`` is row ``v`` of a C-contiguous ``(n, W)`` array).

    LLVM ``llvm.prefetch`` (read, high locality): no effect on results, never faults, so an
    offset past the end is harmless. Kernels whose inner loop reads a random row per arc
    hint the row of the arc a few steps ahead, overlapping the memory waits.
    """
    if not isinstance(arr, types.Array) or not isinstance(offset, types.Integer):
        return None

    def codegen(context, builder, signature, args):
        ary = context.make_array(signature.args[0])(context, builder, args[0])
        ptr = builder.gep(ary.data, [args[1]])
        i8p = ir.IntType(8).as_pointer()
        fnty = ir.FunctionType(ir.VoidType(), [i8p, ir.IntType(32), ir.IntType(32), ir.IntType(32)])
        fn = cgutils.get_or_insert_function(builder.module, fnty, "llvm.prefetch.p0i8")
        builder.call(fn, [builder.bitcast(ptr, i8p), ir.IntType(32)(0), ir.IntType(32)(3),
                          ir.IntType(32)(1)])
        return context.get_dummy_value()

    return types.none(arr, offset), codegen


#: ``MADV_HUGEPAGE`` of Linux's ``<sys/mman.h>``.
_MADV_HUGEPAGE = 14


@intrinsic
def advise_huge_pages(typingctx, arr):
    """Ask Linux to back ``arr``'s memory with transparent huge pages (``madvise(MADV_HUGEPAGE)``
    on the whole 4 KiB pages inside its data); call it before the memory is first touched.

    Memory that a kernel allocates itself (``np.empty`` inside a compiled function) gets no
    such advice, unlike NumPy's own large arrays: each first touch of a 4 KiB page is then a
    page fault, about 2 us on a virtual machine, and fresh bitsets of 20 MB cost more in
    faults (~5,000) than a batch of a sampled BFS on 100k nodes spends in its first levels.
    With the advice the kernel maps 2 MiB pages where the range covers them (system setting
    ``transparent_hugepage/enabled`` = ``madvise`` or ``always``; with ``never`` nothing
    changes). Contents and results are unaffected. Returns madvise's status (0: accepted),
    or 0 without doing anything on systems other than Linux.
    """
    if not isinstance(arr, types.Array):
        return None
    linux = sys.platform.startswith("linux")

    def codegen(context, builder, signature, args):
        i32, i64 = ir.IntType(32), ir.IntType(64)
        if not linux:
            return i32(0)
        ary = context.make_array(signature.args[0])(context, builder, args[0])
        start = builder.ptrtoint(ary.data, i64)
        nbytes = builder.mul(ary.nitems, i64(context.get_abi_sizeof(context.get_data_type(signature.args[0].dtype))))
        page = i64(4095)
        lo = builder.and_(builder.add(start, page), builder.not_(page))
        hi = builder.and_(builder.add(start, nbytes), builder.not_(page))
        length = builder.select(builder.icmp_unsigned(">", hi, lo), builder.sub(hi, lo), i64(0))
        i8p = ir.IntType(8).as_pointer()
        fnty = ir.FunctionType(i32, [i8p, i64, i32])
        fn = cgutils.get_or_insert_function(builder.module, fnty, "madvise")
        return builder.call(fn, [builder.inttoptr(lo, i8p), length, i32(_MADV_HUGEPAGE)])

    return types.int32(arr), codegen


# ---------------------------------------------------------------- rows of 64-bit words
# Bitset rows of a multi-source BFS (``W`` uint64 words per node, W <= 8: one cache line) as
# one LLVM ``<W x i64>`` vector each. The compiled word loops do not vectorise (numba arrays
# may alias, and W is too short for LLVM's runtime alias checks), so a row update was W
# scalar read-modify-writes: W stores per arc filled the store buffer and limited the
# cache misses in flight. As vectors it is one load, one OR and one store per arc. Offsets
# are in elements from the start of each array's data; no bounds check (callers pass row
# starts ``v * W`` of C-contiguous ``(n, W)`` arrays, or 0 for a length-W array).

def _vec_ptr(context, builder, aryty, ary, off, vt):
    a = context.make_array(aryty)(context, builder, ary)
    return builder.bitcast(builder.gep(a.data, [off]), vt.as_pointer())


def _all_ones(builder, vec, width):
    # lane-wise compare with all ones, the <W x i1> mask read as one W-bit integer
    # (VPCMPEQQ into a mask register and one test on AVX-512, not W extracts and ANDs)
    eq = builder.icmp_unsigned("==", vec, ir.Constant(vec.type, [ir.IntType(64)(-1)] * width))
    bits = builder.bitcast(eq, ir.IntType(width))
    return builder.icmp_unsigned("==", bits, ir.IntType(width)(-1))


def _is_words(*tys):
    return all(isinstance(t, types.Array) and t.dtype == types.uint64 for t in tys)


def _or_into(context, builder, sig, args, width):
    """Codegen shared by WORDS_OR and WORDS_OR_FULL: ``dst[doff:doff + width] |= src[soff:...]`` as one
    vector load/OR/store (args: dst, doff, src, soff); returns the stored vector."""
    vt = ir.VectorType(ir.IntType(64), width)
    dp = _vec_ptr(context, builder, sig.args[0], args[0], args[1], vt)
    sp = _vec_ptr(context, builder, sig.args[2], args[2], args[3], vt)
    c = builder.or_(builder.load(dp, align=8), builder.load(sp, align=8))
    builder.store(c, dp, align=8)
    return c


def _words_or_intrinsic(width):
    @intrinsic
    def words_or(typingctx, dst, doff, src, soff):
        if not _is_words(dst, src):
            return None

        def codegen(context, builder, sig, args):
            _or_into(context, builder, sig, args, width)
            return context.get_dummy_value()

        return types.none(dst, doff, src, soff), codegen

    words_or.__doc__ = f"``dst[doff:doff + {width}] |= src[soff:soff + {width}]`` (uint64), one vector OR."
    return words_or


def _words_or_full_intrinsic(width):
    @intrinsic
    def words_or_full(typingctx, dst, doff, src, soff):
        if not _is_words(dst, src):
            return None

        def codegen(context, builder, sig, args):
            return _all_ones(builder, _or_into(context, builder, sig, args, width), width)

        return types.boolean(dst, doff, src, soff), codegen

    words_or_full.__doc__ = (f"``dst[doff:doff + {width}] |= src[soff:soff + {width}]``; True when every "
                             "bit of the result is set.")
    return words_or_full


def _words_load_intrinsic(width):
    @intrinsic
    def words_load(typingctx, dst, a, aoff, b, boff, use_b):
        # dst[0:W] = a[aoff:aoff+W] | (b[boff:boff+W] if use_b); returns True when every bit is set
        if not _is_words(dst, a, b) or not isinstance(use_b, types.Boolean):
            return None

        def codegen(context, builder, sig, args):
            vt = ir.VectorType(ir.IntType(64), width)
            dp = _vec_ptr(context, builder, sig.args[0], args[0], ir.IntType(64)(0), vt)
            ap = _vec_ptr(context, builder, sig.args[1], args[1], args[2], vt)
            bp = _vec_ptr(context, builder, sig.args[3], args[3], args[4], vt)
            va = builder.load(ap, align=8)
            zero = ir.Constant(vt, None)
            with builder.if_else(args[5]) as (then, other):
                with then:
                    bb_then = builder.block
                    vb = builder.load(bp, align=8)
                with other:
                    bb_other = builder.block
            phi = builder.phi(vt)
            phi.add_incoming(vb, bb_then)
            phi.add_incoming(zero, bb_other)
            c = builder.or_(va, phi)
            builder.store(c, dp, align=8)
            return _all_ones(builder, c, width)

        return types.boolean(dst, a, aoff, b, boff, use_b), codegen

    words_load.__doc__ = (f"``dst[0:{width}] = a[aoff:aoff + {width}] | (b[boff:boff + {width}] if use_b else 0)``; "
                          "True when every bit of the result is set.")
    return words_load


def _words_absorb_intrinsic(width):
    @intrinsic
    def words_absorb(typingctx, acc, seen, soff, out, ooff, reached, new):
        if not _is_words(acc, seen, out, reached, new):
            return None

        def codegen(context, builder, sig, args):
            i64 = ir.IntType(64)
            vt = ir.VectorType(i64, width)
            zero = i64(0)
            accp = _vec_ptr(context, builder, sig.args[0], args[0], zero, vt)
            sp = _vec_ptr(context, builder, sig.args[1], args[1], args[2], vt)
            op = _vec_ptr(context, builder, sig.args[3], args[3], args[4], vt)
            rp = _vec_ptr(context, builder, sig.args[5], args[5], zero, vt)
            np_ = _vec_ptr(context, builder, sig.args[6], args[6], zero, vt)
            a = builder.load(accp, align=8)
            s = builder.load(sp, align=8)
            x = builder.and_(a, builder.not_(s))
            builder.store(a, sp, align=8)
            builder.store(x, op, align=8)
            builder.store(builder.or_(builder.load(rp, align=8), x), rp, align=8)
            builder.store(x, np_, align=8)
            fnty = ir.FunctionType(vt, [vt])
            cnt = builder.call(cgutils.get_or_insert_function(builder.module, fnty, f"llvm.ctpop.v{width}i64"), [x])
            total = builder.extract_element(cnt, ir.IntType(32)(0))
            for i in range(1, width):
                total = builder.add(total, builder.extract_element(cnt, ir.IntType(32)(i)))
            full = _all_ones(builder, a, width)
            return context.make_tuple(builder, sig.return_type, [total, full])

        return types.Tuple((types.int64, types.boolean))(acc, seen, soff, out, ooff, reached, new), codegen

    words_absorb.__doc__ = (
        f"Keep a node's newly reached bits ({width} words): with ``a = acc[0:{width}]``, "
        f"``s = seen[soff:soff + {width}]``: ``x = a & ~s``; ``seen[...] = a``, ``out[ooff:...] = x``, "
        "``reached |= x``, ``new[:] = x``. Returns (popcount of ``x``, every bit of ``a`` set).")
    return words_absorb


def _words_ripple_intrinsic(width, planes):
    @intrinsic
    def words_ripple(typingctx, small, new):
        if not _is_words(small, new):
            return None

        def codegen(context, builder, sig, args):
            i64 = ir.IntType(64)
            vt = ir.VectorType(i64, width)
            c = builder.load(_vec_ptr(context, builder, sig.args[1], args[1], i64(0), vt), align=8)
            for j in range(planes):
                pp = _vec_ptr(context, builder, sig.args[0], args[0], i64(j * width), vt)
                p = builder.load(pp, align=8)
                builder.store(builder.xor(p, c), pp, align=8)
                c = builder.and_(p, c)
            return context.get_dummy_value()

        return types.none(small, new), codegen

    words_ripple.__doc__ = (
        f"Add the bits ``new[0:{width}]`` (one per lane) to {planes}-plane vertical counters "
        f"``small`` (plane-major: plane ``j`` is ``small[j * {width}:(j + 1) * {width}]``): a fixed "
        f"{planes}-step ripple carry, each step one vector AND and XOR. The caller flushes before "
        f"a lane can pass {2 ** planes - 1}.")
    return words_ripple


#: Row operations per width ``W`` (words per row): ``WORDS_OR[W]`` etc.
WORDS_OR = {w: _words_or_intrinsic(w) for w in (1, 2, 4, 8)}
WORDS_OR_FULL = {w: _words_or_full_intrinsic(w) for w in (1, 2, 4, 8)}
WORDS_LOAD = {w: _words_load_intrinsic(w) for w in (1, 2, 4, 8)}
WORDS_ABSORB = {w: _words_absorb_intrinsic(w) for w in (1, 2, 4, 8)}
WORDS_RIPPLE4 = {w: _words_ripple_intrinsic(w, 4) for w in (1, 2, 4, 8)}


def _umax_bytes_intrinsic(width):
    # dst[doff:doff + width] = max(dst[...], src[soff:soff + width]) bytewise, unsigned, as one
    # LLVM vector operation on <width x i8> (VPMAXUB on x86-64: one zmm, or two ymm, for 64
    # bytes). Auto-vectorisation does not give this for a runtime row length: below 128 bytes
    # LLVM falls back to 8-byte steps behind an aliasing check.
    @intrinsic
    def umax_bytes(typingctx, dst, doff, src, soff):
        if not (isinstance(dst, types.Array) and isinstance(src, types.Array)
                and dst.dtype == types.uint8 and src.dtype == types.uint8
                and isinstance(doff, types.Integer) and isinstance(soff, types.Integer)):
            return None

        def codegen(context, builder, signature, args):
            vt = ir.VectorType(ir.IntType(8), width)
            d = context.make_array(signature.args[0])(context, builder, args[0])
            s = context.make_array(signature.args[2])(context, builder, args[2])
            dp = builder.bitcast(builder.gep(d.data, [args[1]]), vt.as_pointer())
            sp = builder.bitcast(builder.gep(s.data, [args[3]]), vt.as_pointer())
            a = builder.load(dp, align=1)
            b = builder.load(sp, align=1)
            builder.store(builder.select(builder.icmp_unsigned(">", a, b), a, b), dp, align=1)
            return context.get_dummy_value()

        return types.none(dst, doff, src, soff), codegen

    umax_bytes.__doc__ = (
        f"Byte-wise unsigned maximum of {width} bytes: ``dst[doff:doff + {width}] = "
        f"max(dst[doff:doff + {width}], src[soff:soff + {width}])`` (uint8 arrays, offsets in "
        "elements from the start of their data), one LLVM vector max. No bounds check: the "
        "caller guarantees both ranges lie inside the arrays.")
    return umax_bytes


umax_bytes16 = _umax_bytes_intrinsic(16)
umax_bytes32 = _umax_bytes_intrinsic(32)
umax_bytes64 = _umax_bytes_intrinsic(64)
