# cython: language_level=3, boundscheck=False, wraparound=False
"""The timeline's per-event loops, compiled: merging sources, folding alerts, writing rows.

Each function gives exactly what the pure Python gives (merge.py's stable sort and
``_fold_pure``, render.py's ``_write_rows_pure``), which stay the reference and the fallback;
``kintsugi.timeline.speedups`` chooses between them.

A large timeline does not fit in the CPU's caches, and these loops mostly wait for memory:
each event, and each object its fields point to, is read from RAM. So they read an
``Event``'s fields straight from its slots, ask the CPU to fetch the events a few places
ahead, and then the objects their fields point to, while they work on the current one, and
avoid reading an event again once it is out of the cache.
"""

from cpython.datetime cimport (
    PyDateTime_CheckExact,
    PyDateTime_DATE_GET_TZINFO,
    datetime_day,
    datetime_hour,
    datetime_microsecond,
    datetime_minute,
    datetime_month,
    datetime_second,
    datetime_year,
    import_datetime,
)
from cpython.list cimport PyList_GET_ITEM
from cpython.mem cimport PyMem_Free, PyMem_Realloc
from cpython.object cimport PyObject, PyTypeObject
from cpython.unicode cimport PyUnicode_1BYTE_DATA, PyUnicode_CheckExact, PyUnicode_GET_LENGTH
from libc.stdint cimport INT64_MAX, int64_t, uint8_t, uint16_t, uint32_t
from libc.string cimport memcpy, memmove

from datetime import UTC, datetime, timedelta
from types import MemberDescriptorType

from kintsugi.timeline.events import AlertKey, Event, Ref

cdef extern from "Python.h":
    bint PyUnicode_IS_ASCII(object text)
    Py_UCS4 PyUnicode_MAX_CHAR_VALUE(object text)
    object PyUnicode_New(Py_ssize_t size, Py_UCS4 maxchar)
    int PyUnicode_KIND(object text)
    void *PyUnicode_DATA(object text)
    bint PyObject_GC_IsTracked(object o)
    void PyObject_GC_Track(void *o)
    void PyObject_GC_UnTrack(void *o)
    PyTypeObject *Py_TYPE(PyObject *o)
    ctypedef struct PyMemberDef:
        Py_ssize_t offset
    ctypedef struct PyMemberDescrObject:
        PyMemberDef *d_member

cdef extern from *:
    """
    #ifndef KINTSUGI_NATIVE_SOURCE
    #define KINTSUGI_NATIVE_SOURCE ""
    #endif
    #if defined(__GNUC__) || defined(__clang__)
    #define KINTSUGI_PREFETCH(p) __builtin_prefetch(p)
    #else
    #define KINTSUGI_PREFETCH(p) ((void)0)
    #endif
    """
    const char *KINTSUGI_NATIVE_SOURCE
    void _prefetch "KINTSUGI_PREFETCH" (const void *address) noexcept nogil

SOURCE_SHA256 = KINTSUGI_NATIVE_SOURCE.decode("ascii")
"""SHA-256 of the .pyx this module was built from (setup.py passes it in; "" when unknown)."""

cdef object _EARLIEST = datetime.min.replace(tzinfo=UTC)
cdef object _LATEST = datetime.max.replace(tzinfo=UTC)
cdef object _MINUTE = timedelta(minutes=1)
cdef object _new = tuple.__new__
cdef object _MICROSECOND = timedelta(microseconds=1)

import_datetime()
cdef PyObject *_UTC = <PyObject *>UTC

cdef enum:
    _AHEAD = 8  # how many events ahead the objects the fields point to are fetched
    _BATCH = 1024  # how many events of an iterator are taken at a time


# --- an Event's fields, read from its slots ---------------------------------------------------

cdef Py_ssize_t _offset(type cls, str name) except -1:
    """Where a ``cls`` keeps field ``name`` (0 when it is not a slot: then getattr is used)."""
    descriptor = cls.__dict__.get(name)
    if type(descriptor) is not MemberDescriptorType:
        return 0
    return (<PyMemberDescrObject *>descriptor).d_member.offset


cdef PyTypeObject *_EVENT = <PyTypeObject *>Event
cdef Py_ssize_t _AT = _offset(Event, "at")
cdef Py_ssize_t _SOURCE = _offset(Event, "source")
cdef Py_ssize_t _SOURCE_ID = _offset(Event, "source_id")
cdef Py_ssize_t _KIND = _offset(Event, "kind")
cdef Py_ssize_t _TITLE = _offset(Event, "title")
cdef Py_ssize_t _DETAIL = _offset(Event, "detail")
cdef Py_ssize_t _ACTOR = _offset(Event, "actor")
cdef Py_ssize_t _LINK = _offset(Event, "link")
cdef Py_ssize_t _ALERT = _offset(Event, "alert")
cdef Py_ssize_t _REFS = _offset(Event, "refs")
cdef PyTypeObject *_ALERT_KEY = <PyTypeObject *>AlertKey
cdef Py_ssize_t _NAME = _offset(AlertKey, "name")
cdef Py_ssize_t _LABELS = _offset(AlertKey, "labels")
cdef Py_ssize_t[6] _ROW_FIELDS = [_AT, _TITLE, _DETAIL, _ACTOR, _LINK, _REFS]
cdef Py_ssize_t[5] _FOLD_FIELDS = [_AT, _REFS, _DETAIL, _LINK, _SOURCE_ID]
cdef Py_ssize_t[1] _MERGE_FIELDS = [_AT]


cdef inline object _field(object instance, PyTypeObject *cls, Py_ssize_t offset, str name):
    """``getattr(instance, name)``, straight from the slot when ``instance`` is exactly a
    ``cls`` (and the slot is set)."""
    cdef PyObject *value
    if offset and Py_TYPE(<PyObject *>instance) == cls:
        value = (<PyObject **>((<char *><PyObject *>instance) + offset))[0]
        if value != NULL:
            return <object>value
    return getattr(instance, name)


cdef inline object _get(object event, Py_ssize_t offset, str name):
    """``getattr(event, name)`` for an Event."""
    return _field(event, _EVENT, offset, name)


cdef inline void _prefetch_ahead(list events, Py_ssize_t index, Py_ssize_t *fields,
                                 int count, bint long) noexcept:
    """Fetch event ``index + 2 * _AHEAD``, and the objects of ``index + _AHEAD``'s fields.

    (The first cache line of each, and the second too when ``long``: more of a text.)
    """
    cdef Py_ssize_t size = len(events), field
    cdef const char *event
    cdef const char *value
    if index + 2 * _AHEAD < size:
        event = <const char *>PyList_GET_ITEM(events, index + 2 * _AHEAD)
        _prefetch(event)
        _prefetch(event + 64)
    if index + _AHEAD < size:
        event = <const char *>PyList_GET_ITEM(events, index + _AHEAD)
        if Py_TYPE(<PyObject *>event) == _EVENT:
            for field in range(count):
                if fields[field]:
                    value = <const char *>(<PyObject **>(event + fields[field]))[0]
                    _prefetch(value)
                    if long:
                        _prefetch(value + 64)


# --- merging ----------------------------------------------------------------------------------

cdef enum:
    _MERGE_LIMIT = 16  # more lists than this are sorted, not merged


def merged(lists):
    """The events of ``lists``, each in time order, in one list in time order; or None.

    Ties keep the lists' order: the same list as a stable sort of them all by time. None when
    there are more than 16 lists, one is not a list, is not in time order, or has a time that
    is not a datetime in UTC: then sort them.
    """
    cdef list streams = list(lists), stream, out
    cdef Py_ssize_t count = len(streams), total = 0, index, which, n
    cdef Py_ssize_t places[_MERGE_LIMIT]
    cdef int64_t heads[_MERGE_LIMIT]
    cdef int64_t time, least
    if count > _MERGE_LIMIT:
        return None
    for index in range(count):
        stream = streams[index] if type(streams[index]) is list else None
        if stream is None:
            return None
        places[index] = 0
        heads[index] = INT64_MAX  # none left (every time in UTC is smaller)
        if len(stream):
            if not _utc_micros(_at_of(stream[0]), &heads[index]):
                return None
        total += len(stream)
    out = [None] * total
    for n in range(total):
        which = 0
        least = heads[0]
        for index in range(1, count):
            if heads[index] < least:  # strictly: a tie goes to the earlier list
                which = index
                least = heads[index]
        stream = <list>PyList_GET_ITEM(streams, which)
        index = places[which]
        if index >= len(stream):
            return None  # a list changed meanwhile
        _prefetch_ahead(stream, index, _MERGE_FIELDS, 1, False)
        event = stream[index]
        out[n] = event
        index += 1
        places[which] = index
        if index < len(stream):
            if not _utc_micros(_at_of(stream[index]), &time) or time < least:
                return None
            heads[which] = time
        else:
            heads[which] = INT64_MAX
    return out


# --- folding ----------------------------------------------------------------------------------

# datetime.min and datetime.max in UTC, as microseconds since 1970 (see _utc_micros)
cdef int64_t _MIN_MICROS = -62135596800000000
cdef int64_t _MAX_MICROS = 253402300799999999
cdef int64_t _WINDOW_LIMIT = 1 << 62


cdef inline bint _utc_micros(object at, int64_t *micros) noexcept:
    """Store ``at`` as microseconds since 1970 when it is a datetime in UTC; else False."""
    cdef int64_t year, month, era, year_of_era, day_of_year, days
    if not PyDateTime_CheckExact(at) or PyDateTime_DATE_GET_TZINFO(at) != _UTC:
        return False
    year = datetime_year(at)
    month = datetime_month(at)
    # days since 1970-01-01 of a civil date (H. Hinnant's days_from_civil); year >= 1
    if month <= 2:
        year -= 1
    era = year // 400
    year_of_era = year - era * 400
    day_of_year = (153 * (month + (-3 if month > 2 else 9)) + 2) // 5 + datetime_day(at) - 1
    days = era * 146097 + year_of_era * 365 + year_of_era // 4 - year_of_era // 100
    days += day_of_year - 719468
    micros[0] = (
        ((days * 24 + datetime_hour(at)) * 60 + datetime_minute(at)) * 60 + datetime_second(at)
    ) * 1000000 + datetime_microsecond(at)
    return True


cdef class _Held:
    """The events, oldest first, that may still absorb a later report of one alert and kind.

    Holds borrowed references: ``fold``'s list keeps every event it holds (one it kept) alive,
    so dropping stale ones does not fetch them from memory again. Their times are kept as
    microseconds when they are datetimes in UTC (``exact``), so that the stale ones are found
    without reading them either; otherwise their datetimes are compared.
    """

    cdef PyObject **events
    cdef int64_t *times
    cdef Py_ssize_t start, end, capacity
    cdef bint exact

    def __cinit__(self):
        self.exact = True

    def __dealloc__(self):
        PyMem_Free(self.events)
        PyMem_Free(self.times)

    cdef int append(self, object event, int64_t time) except -1:
        cdef Py_ssize_t size = self.end - self.start
        if self.end == self.capacity:
            if self.start < self.capacity // 2 or self.capacity == 0:  # mostly full: grow
                self.capacity = max(4, 2 * self.capacity)
                self.events = <PyObject **>_grow(self.events, self.capacity * sizeof(PyObject *))
                self.times = <int64_t *>_grow(self.times, self.capacity * sizeof(int64_t))
            memmove(self.events, self.events + self.start, size * sizeof(PyObject *))
            memmove(self.times, self.times + self.start, size * sizeof(int64_t))
            self.start, self.end = 0, size
        self.events[self.end] = <PyObject *>event
        self.times[self.end] = time
        self.end += 1
        return 0

    cdef int drop_stale(self, object at, int64_t time, bint exact, window,
                        int64_t window_micros) except -1:
        """Drop the events more than ``window`` before ``at`` (``time`` when ``exact``)."""
        cdef int64_t horizon
        if self.start == self.end:
            return 0
        if exact and self.exact:
            horizon = time - window_micros
            if _MIN_MICROS <= horizon <= _MAX_MICROS:  # else at - window overflows: none is
                while self.start < self.end and self.times[self.start] < horizon:
                    self.start += 1
            return 0
        self.exact = False
        try:
            horizon_at = at - window
        except OverflowError:
            horizon_at = _EARLIEST
        while self.start < self.end and _at_of(<object>self.events[self.start]) < horizon_at:
            self.start += 1
        return 0


cdef void *_grow(void *block, size_t size) except NULL:
    block = PyMem_Realloc(block, size)
    if block == NULL:
        raise MemoryError()
    return block


cdef inline object _at_of(object event):
    return _get(event, _AT, "at")


def fold(list events, window):
    """Fold time-ordered ``events`` as merge.py's ``_fold_pure`` does; returns the kept ones.

    Reuses ``events``' list: the kept events are moved to its front and the rest cut off.
    Nothing else may change the list meanwhile.
    """
    # kind -> alert name -> the events that may still absorb
    cdef dict held = {}
    cdef Py_ssize_t position = 0, kept = 0
    cdef int64_t window_micros = 0
    cdef bint exact = False
    if type(window) is timedelta:
        micros = window // _MICROSECOND
        exact = -_WINDOW_LIMIT < micros < _WINDOW_LIMIT
        window_micros = micros if exact else 0
    # folding makes refs, and so garbage collections: they need not go through the (new, so
    # often collected) list of a million events each time
    cdef bint tracked = PyObject_GC_IsTracked(events)
    if tracked:
        PyObject_GC_UnTrack(<void *>events)
    try:
        while position < len(events):
            _prefetch_ahead(events, position, _FOLD_FIELDS, 5, False)
            event = events[position]
            # the places from kept to position hold None: an event's own place is let go
            # while the event is in the CPU's cache (replacing it later would fetch it again)
            if _absorbed(held, event, window, window_micros, exact):
                events[position] = None
            else:
                if kept != position:
                    events[kept] = event
                    events[position] = None
                kept += 1
            position += 1
    finally:
        if tracked:
            PyObject_GC_Track(<void *>events)
    del events[kept:]
    return events


cdef bint _absorbed(dict held, event, window, int64_t window_micros, bint exact) except -1:
    """Whether an earlier report in ``held`` absorbs ``event``; if not, it may absorb later."""
    cdef dict by_name
    cdef _Held candidates
    cdef list refs, more
    cdef Py_ssize_t index
    cdef int64_t time = 0
    alert = _get(event, _ALERT, "alert")
    if alert is None:
        return False
    kind = _get(event, _KIND, "kind")
    name = _field(alert, _ALERT_KEY, _NAME, "name")
    by_name = held.get(kind)
    if by_name is None:
        by_name = held[kind] = {}
    candidates = by_name.get(name)
    if candidates is None:
        candidates = by_name[name] = _Held()
    at = _at_of(event)
    exact = exact and _utc_micros(at, &time)
    candidates.drop_stale(at, time, exact, window, window_micros)
    source = _get(event, _SOURCE, "source")
    labels = _field(alert, _ALERT_KEY, _LABELS, "labels")
    for index in range(candidates.end - 1, candidates.start - 1, -1):
        target = <object>candidates.events[index]
        if _get(target, _SOURCE, "source") == source:
            continue
        refs = _get(target, _REFS, "refs")
        if refs and _reported_by(refs, source):
            continue
        other = _get(target, _ALERT, "alert")
        theirs = _field(other, _ALERT_KEY, _LABELS, "labels")
        if labels is theirs or (
            labels <= theirs if len(labels) <= len(theirs) else theirs <= labels
        ):
            link = _get(event, _LINK, "link")
            refs.append(_ref(source, _get(event, _SOURCE_ID, "source_id"), link))
            more = _get(event, _REFS, "refs")
            if more:
                refs.extend(more)
            if not _get(target, _ACTOR, "actor") and _get(event, _ACTOR, "actor"):
                target.actor = event.actor
            if not _get(target, _DETAIL, "detail") and _get(event, _DETAIL, "detail"):
                target.detail = event.detail
            if not _get(target, _LINK, "link") and link:
                target.link = link
            if len(labels) > len(theirs):
                target.alert = alert
            return True
    if not exact:
        candidates.exact = False
    candidates.append(event, time)
    return False


cdef object _ref(source, source_id, link):
    """``Ref(source, source_id, link)``; not tracked by the garbage collector when it holds
    only texts (which cannot make a cycle: the collector would untrack it later itself)."""
    ref = _new(Ref, (source, source_id, link))
    if (
        PyUnicode_CheckExact(source)
        and PyUnicode_CheckExact(source_id)
        and (link is None or PyUnicode_CheckExact(link))
    ):
        PyObject_GC_UnTrack(<void *>ref)
    return ref


cdef bint _reported_by(list refs, source) except -1:
    for ref in refs:
        if ref.source == source:
            return True
    return False


# --- table rows -------------------------------------------------------------------------------

# what a character asks of a row (see render.py): a pipe or whitespace other than the space
# is escaped in every cell, a bracket in a linked title, one of " ()|<>" in a link
cdef enum:
    _BREAK = 1
    _BRACKET = 2
    _URL_SPECIAL = 4
    _NOT_SPACE = 8


cdef inline int _flags_of(Py_UCS4 c) noexcept nogil:
    if c == 0x20:
        return _URL_SPECIAL
    if c < 0x80:
        if c == 0x7C:
            return _BREAK | _URL_SPECIAL | _NOT_SPACE
        if 0x09 <= c <= 0x0D or 0x1C <= c <= 0x1F:
            return _BREAK | _NOT_SPACE
        if c == 0x5B or c == 0x5D:
            return _BRACKET | _NOT_SPACE
        if c == 0x28 or c == 0x29 or c == 0x3C or c == 0x3E:
            return _URL_SPECIAL | _NOT_SPACE
        return _NOT_SPACE
    if (
        c == 0x85 or c == 0xA0 or c == 0x1680 or 0x2000 <= c <= 0x200A or c == 0x2028
        or c == 0x2029 or c == 0x202F or c == 0x205F or c == 0x3000
    ):
        return _BREAK | _NOT_SPACE
    return _NOT_SPACE


cdef unsigned char _ASCII_FLAGS[128]
for _code in range(128):
    _ASCII_FLAGS[_code] = _flags_of(_code)


cdef int _scan(str text) noexcept:
    """The union of ``_flags_of`` over the characters of ``text``."""
    cdef int flags = 0
    cdef Py_ssize_t index
    cdef const unsigned char *ascii
    cdef Py_UCS4 c
    if PyUnicode_IS_ASCII(text):
        ascii = PyUnicode_1BYTE_DATA(text)
        for index in range(PyUnicode_GET_LENGTH(text)):
            flags |= _ASCII_FLAGS[ascii[index]]
        return flags
    for c in text:
        flags |= _flags_of(c)
    return flags


cdef str _join(list pieces):
    """``"".join(pieces)``, with less work for each of many short pieces.

    (str.join copies each piece by a call, which converts it when the widths differ: a chunk
    of rows is thousands of pieces, mostly ASCII copied into text two bytes wide for "—".)
    """
    cdef Py_ssize_t total = 0, start = 0, length, index
    cdef Py_UCS4 widest = 0
    cdef int kind, width
    cdef char *data
    cdef const void *source
    for piece in pieces:
        if not PyUnicode_CheckExact(piece):
            return "".join(pieces)
        total += PyUnicode_GET_LENGTH(piece)
        widest = max(widest, PyUnicode_MAX_CHAR_VALUE(piece))
    text = PyUnicode_New(total, widest)
    kind = PyUnicode_KIND(text)
    data = <char *>PyUnicode_DATA(text)
    for piece in pieces:
        length = PyUnicode_GET_LENGTH(piece)
        width = PyUnicode_KIND(piece)
        source = PyUnicode_DATA(piece)
        if width == kind:
            memcpy(data + start * kind, source, length * kind)
        elif kind == 2:  # from one byte a character
            for index in range(length):
                (<uint16_t *>data)[start + index] = (<const uint8_t *>source)[index]
        elif width == 1:  # to four
            for index in range(length):
                (<uint32_t *>data)[start + index] = (<const uint8_t *>source)[index]
        else:  # two to four
            for index in range(length):
                (<uint32_t *>data)[start + index] = (<const uint16_t *>source)[index]
        start += length
    return text


def write_rows(events, zone, out, row_rest, Py_ssize_t chunk, Py_ssize_t detail_limit):
    """Write the table rows of ``events`` to ``out`` as render.py's ``_write_rows_pure`` does.

    ``row_rest(event)`` is the plain definition of a row after its time cell, used for the
    rows that need escaping or shortening; ``chunk`` rows are written at a time.
    """
    cdef _Rows rows = _Rows(zone, out, row_rest, chunk, detail_limit)
    cdef list batch = []
    if type(events) is list:
        rows.add(events)
    else:  # a batch of events at a time, so that the next ones can be fetched ahead
        for event in events:
            batch.append(event)
            if len(batch) == _BATCH:
                rows.add(batch)
                batch = []
        rows.add(batch)
    rows.flush()
    return rows.count


cdef class _Rows:
    """The rows written so far, the current chunk's text in pieces, the minute last formatted."""

    cdef object zone, out, row_rest, low, high
    cdef str prefix
    cdef list pieces
    cdef Py_ssize_t chunk, detail_limit, count, pending

    def __cinit__(self, zone, out, row_rest, Py_ssize_t chunk, Py_ssize_t detail_limit):
        self.zone = zone
        self.out = out
        self.row_rest = row_rest
        self.chunk = max(chunk, 1)
        self.detail_limit = detail_limit
        self.low = self.high = _LATEST
        self.prefix = ""
        self.pieces = []
        self.count = self.pending = 0

    cdef int add(self, list events) except -1:
        cdef Py_ssize_t index = 0
        while index < len(events):
            _prefetch_ahead(events, index, _ROW_FIELDS, 6, True)
            self.row(events[index])
            self.count += 1
            self.pending += 1
            if self.pending >= self.chunk:
                self.flush()
            index += 1
        return 0

    cdef int flush(self) except -1:
        if self.pending:
            self.out.write(_join(self.pieces))
            del self.pieces[:]
            self.pending = 0
        return 0

    cdef int row(self, event) except -1:
        """Add ``event``'s row (and its line break) to the pieces."""
        cdef list pieces = self.pieces, refs
        cdef str title, detail, actor, link
        cdef int title_flags, detail_flags
        at = _get(event, _AT, "at")
        if at >= self.high or at < self.low:
            local = at.astimezone(self.zone)
            self.low = at - timedelta(seconds=local.second, microseconds=local.microsecond)
            self.high = self.low + _MINUTE
            self.prefix = f"| {local.strftime('%Y-%m-%d %H:%M')} | "
        pieces.append(self.prefix)
        title_ = _get(event, _TITLE, "title")
        detail_ = _get(event, _DETAIL, "detail")
        actor_ = _get(event, _ACTOR, "actor") or ""
        link_ = _get(event, _LINK, "link")
        if not (
            PyUnicode_CheckExact(title_)
            and PyUnicode_CheckExact(detail_)
            and PyUnicode_CheckExact(actor_)
            and (link_ is None or PyUnicode_CheckExact(link_))
        ):
            return self.plain(event)
        title, detail, actor, link = <str>title_, <str>detail_, <str>actor_, <str>link_
        title_flags = _scan(title)
        detail_flags = _scan(detail) if detail else _NOT_SPACE
        if (
            not (title_flags & _NOT_SPACE)
            or not (detail_flags & _NOT_SPACE)
            or len(detail) > self.detail_limit
            or (title_flags | detail_flags | _scan(actor)) & _BREAK
            or (link and (title_flags & _BRACKET or _scan(link) & _URL_SPECIAL))
        ):
            return self.plain(event)
        refs = _get(event, _REFS, "refs")
        sources = _get(event, _SOURCE, "source")
        if refs:
            if len(refs) > 1:
                sources = ", ".join(event.sources)
            elif refs[0].source != sources:
                sources = f"{sources}, {refs[0].source}"
        if link:
            pieces.append("[")
            pieces.append(title)
            pieces.append("](")
            pieces.append(link)
            pieces.append(") — " if detail else ")")
        else:
            pieces.append(title)
            if detail:
                pieces.append(" — ")
        if detail:
            pieces.append(detail)
        pieces.append(" | ")
        pieces.append(actor)
        pieces.append(" | ")
        pieces.append(sources if PyUnicode_CheckExact(sources) else f"{sources}")
        pieces.append(" |\n")
        return 0

    cdef int plain(self, event) except -1:
        """Add the row as render.py defines it (after the time cell, already added)."""
        self.pieces.append(self.row_rest(event))
        self.pieces.append("\n")
        return 0
