"""Single LLVM instructions that Numba does not expose: population count and prefetch.

Both are pure functions of their arguments (the prefetch only hints the cache), so kernels
using them give the same results as without them.
"""

from __future__ import annotations

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
