/* _scan: the detector's loops over every character of an article, in C.
 *
 * 1. Aho-Corasick as a dense DFA, for the lexicon's whole-text and sentence scans.
 *
 * Why not pyahocorasick alone: it walks a trie whose children it finds by a linear search and
 * follows failure links at every character, ~55-75 CPU instructions a character; the detector
 * scans every article in full (~3,000 characters), and that scan was a quarter of its cost.
 * Here every state has a row of next states, one per character class (each character that
 * occurs in a key is a class of its own, every other character is class 0), so a character costs
 * one table read. Matches come back in one list, in pyahocorasick's order (by end position;
 * at one end position the longest key first), so the two are interchangeable:
 * ``scanning.KeyScanner`` falls back to pyahocorasick when this module is not built, and a test
 * holds the two to the same output.
 *
 *     Scanner(keys: list[str], values: list[object])
 *     Scanner.findall(text: str, start: int = 0, end: int = len(text)) -> list[tuple[int, object]]
 *
 * ``findall`` returns ``(index of the match's last character in text, value)`` for every
 * occurrence of every key (overlapping ones too) inside ``text[start:end]``, like
 * ``pyahocorasick.Automaton.iter(text, start, end)``.
 *
 * 2. ``ascii_lower_forms(text, table)``: ``lexicon.lower_forms`` of an ASCII text in one pass
 * (``text.lower()``, and the boundary form: ``table`` applied to each character, padded with a
 * space at each end), or None when the text is not ASCII. In Python that is a lowercase, an
 * encode, a translate, a decode and a copy: ~20 instructions a character, against ~3 here.
 * ``table`` comes from ``lexicon.py``, which owns what a boundary is.
 *
 * 3. ``lower_words(data: bytes) -> bytes``: ``b" ".join(data.lower().split())`` in one pass (ASCII
 * letters lowercased, runs of ASCII whitespace made one space, none at the ends): the stream's
 * content hash of every article: ~10 us for a 3 KB article against ~37 us for the split and the join.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    PyObject_HEAD
    int32_t nclasses;
    int32_t nstates;
    /* nstates * nclasses: for every state and class, the next state's row (state * nclasses),
     * shifted left by one, with the low bit set when that state reports keys: a character then
     * costs a read, a shift and a bit test. */
    int32_t *delta;
    int32_t *out_start;  /* nstates + 1: state s reports out_items[out_start[s]:out_start[s + 1]] */
    int32_t *out_items;  /* indexes into values, longest key first */
    int32_t latin1_class[256];
    Py_ssize_t nwide;    /* characters above U+00FF that occur in keys, sorted, and their classes */
    Py_UCS4 *wide_chars;
    int32_t *wide_class;
    PyObject *values;    /* tuple */
} Scanner;

/* Python 3.11 may still hold a str in its legacy form; 3.12 removed that (and the call). */
static inline int
text_ready(PyObject *text)
{
#if PY_VERSION_HEX < 0x030C0000
    return PyUnicode_READY(text);
#else
    (void)text;
    return 0;
#endif
}

static int32_t
class_of(const Scanner *s, Py_UCS4 ch)
{
    if (ch < 256)
        return s->latin1_class[ch];
    Py_ssize_t lo = 0, hi = s->nwide;
    while (lo < hi) {
        Py_ssize_t mid = (lo + hi) / 2;
        if (s->wide_chars[mid] < ch)
            lo = mid + 1;
        else
            hi = mid;
    }
    return (lo < s->nwide && s->wide_chars[lo] == ch) ? s->wide_class[lo] : 0;
}

static int
cmp_ucs4(const void *a, const void *b)
{
    Py_UCS4 x = *(const Py_UCS4 *)a, y = *(const Py_UCS4 *)b;
    return (x > y) - (x < y);
}

/* Give every character that occurs in a key a class of its own (from 1). */
static int
build_classes(Scanner *s, PyObject *keys, Py_ssize_t nkeys)
{
    Py_ssize_t cap = 64, n = 0;
    Py_UCS4 *wide = PyMem_Malloc(cap * sizeof(Py_UCS4));
    if (wide == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    memset(s->latin1_class, 0, sizeof(s->latin1_class));
    int32_t next = 1;
    for (Py_ssize_t k = 0; k < nkeys; k++) {
        PyObject *key = PyList_GET_ITEM(keys, k);
        Py_ssize_t len = PyUnicode_GET_LENGTH(key);
        int kind = PyUnicode_KIND(key);
        const void *data = PyUnicode_DATA(key);
        for (Py_ssize_t i = 0; i < len; i++) {
            Py_UCS4 ch = PyUnicode_READ(kind, data, i);
            if (ch < 256) {
                if (s->latin1_class[ch] == 0)
                    s->latin1_class[ch] = next++;
                continue;
            }
            Py_ssize_t j;
            for (j = 0; j < n && wide[j] != ch; j++)
                ;
            if (j < n)
                continue;
            if (n == cap) {
                cap *= 2;
                Py_UCS4 *grown = PyMem_Realloc(wide, cap * sizeof(Py_UCS4));
                if (grown == NULL) {
                    PyMem_Free(wide);
                    PyErr_NoMemory();
                    return -1;
                }
                wide = grown;
            }
            wide[n++] = ch;
        }
    }
    qsort(wide, (size_t)n, sizeof(Py_UCS4), cmp_ucs4);
    s->wide_chars = wide;
    s->nwide = n;
    s->wide_class = PyMem_Malloc((n ? n : 1) * sizeof(int32_t));
    if (s->wide_class == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    for (Py_ssize_t j = 0; j < n; j++)
        s->wide_class[j] = next++;
    s->nclasses = next;
    return 0;
}

static int
cmp_keys(const void *a, const void *b)
{
    return PyUnicode_Compare(*(PyObject *const *)a, *(PyObject *const *)b);  /* str vs str: no error */
}

/* The number of trie states (the distinct prefixes of the keys, the empty one included), so that
 * the table is allocated once at its final size: sorted, each key adds the characters it does not
 * share with the key before it. */
static Py_ssize_t
trie_size(PyObject *keys, Py_ssize_t nkeys)
{
    PyObject **sorted = PyMem_Malloc((nkeys ? (size_t)nkeys : 1) * sizeof(PyObject *));
    if (sorted == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    memcpy(sorted, PySequence_Fast_ITEMS(keys), (size_t)nkeys * sizeof(PyObject *));
    qsort(sorted, (size_t)nkeys, sizeof(PyObject *), cmp_keys);
    Py_ssize_t total = 1;
    for (Py_ssize_t k = 0; k < nkeys; k++) {
        Py_ssize_t len = PyUnicode_GET_LENGTH(sorted[k]), shared = 0;
        if (k > 0) {
            PyObject *prev = sorted[k - 1];
            Py_ssize_t plen = PyUnicode_GET_LENGTH(prev);
            int kind = PyUnicode_KIND(sorted[k]), pkind = PyUnicode_KIND(prev);
            const void *data = PyUnicode_DATA(sorted[k]), *pdata = PyUnicode_DATA(prev);
            while (shared < len && shared < plen
                   && PyUnicode_READ(kind, data, shared) == PyUnicode_READ(pkind, pdata, shared))
                shared++;
        }
        total += len - shared;
    }
    PyMem_Free(sorted);
    return total;
}

/* The trie of the keys, then the failure links turn it into a DFA in place (breadth first:
 * a state's failure target is shallower, so its row is complete when the state's is filled). */
static int
build_dfa(Scanner *s, PyObject *keys, Py_ssize_t nkeys)
{
    Py_ssize_t total = trie_size(keys, nkeys);
    if (total < 0)
        return -1;
    if (total > INT32_MAX / 2 / (s->nclasses ? s->nclasses : 1)) {
        PyErr_SetString(PyExc_ValueError, "Scanner: too many key characters");
        return -1;
    }
    const int32_t C = s->nclasses;
    int32_t *fail = NULL, *queue = NULL, *out_count = NULL, *out_start = NULL, *out_items = NULL;
    int32_t *delta = PyMem_Malloc((size_t)total * C * sizeof(int32_t));
    int32_t *word = PyMem_Malloc((size_t)total * sizeof(int32_t));  /* key index ending here, or -1 */
    if (delta == NULL || word == NULL)
        goto nomem;
    memset(delta, 0xff, (size_t)total * C * sizeof(int32_t));  /* -1: no child */
    int32_t nstates = 1;
    word[0] = -1;
    for (Py_ssize_t k = 0; k < nkeys; k++) {
        PyObject *key = PyList_GET_ITEM(keys, k);
        Py_ssize_t len = PyUnicode_GET_LENGTH(key);
        int kind = PyUnicode_KIND(key);
        const void *data = PyUnicode_DATA(key);
        int32_t state = 0;
        for (Py_ssize_t i = 0; i < len; i++) {
            int32_t c = class_of(s, PyUnicode_READ(kind, data, i));
            int32_t next = delta[(size_t)state * C + c];
            if (next < 0) {
                if (nstates == total) {  /* cannot happen: trie_size counts exactly */
                    PyErr_SetString(PyExc_SystemError, "Scanner: trie size miscounted");
                    goto error;
                }
                next = nstates++;
                word[next] = -1;
                delta[(size_t)state * C + c] = next;
            }
            state = next;
        }
        word[state] = (int32_t)k;  /* a repeated key keeps its last value, as add_word does */
    }

    fail = PyMem_Malloc((size_t)nstates * sizeof(int32_t));
    queue = PyMem_Malloc((size_t)nstates * sizeof(int32_t));
    out_count = PyMem_Malloc((size_t)nstates * sizeof(int32_t));
    if (fail == NULL || queue == NULL || out_count == NULL)
        goto nomem;
    Py_ssize_t head = 0, tail = 0;
    fail[0] = 0;
    out_count[0] = 0;
    for (int32_t c = 0; c < C; c++) {
        int32_t t = delta[c];
        if (t < 0) {
            delta[c] = 0;
        } else {
            fail[t] = 0;
            queue[tail++] = t;
        }
    }
    while (head < tail) {
        int32_t st = queue[head++];
        out_count[st] = (word[st] >= 0) + out_count[fail[st]];
        int32_t *row = delta + (size_t)st * C;
        const int32_t *frow = delta + (size_t)fail[st] * C;
        for (int32_t c = 0; c < C; c++) {
            int32_t t = row[c];
            if (t < 0) {
                row[c] = frow[c];
            } else {
                fail[t] = frow[c];
                queue[tail++] = t;
            }
        }
    }

    /* Each state reports its own key, then those of its failure chain: longest first. */
    out_start = PyMem_Malloc(((size_t)nstates + 1) * sizeof(int32_t));
    Py_ssize_t nout = 0;
    for (int32_t st = 0; st < nstates; st++)
        nout += out_count[st];
    out_items = PyMem_Malloc((nout ? (size_t)nout : 1) * sizeof(int32_t));
    if (out_start == NULL || out_items == NULL)
        goto nomem;
    Py_ssize_t pos = 0;
    for (int32_t st = 0; st < nstates; st++) {
        out_start[st] = (int32_t)pos;
        for (int32_t o = st; o != 0; o = fail[o])
            if (word[o] >= 0)
                out_items[pos++] = word[o];
    }
    out_start[nstates] = (int32_t)pos;
    for (Py_ssize_t e = 0; e < (Py_ssize_t)nstates * C; e++) {  /* nstates == total */
        int32_t t = delta[e];
        delta[e] = ((t * C) << 1) | (out_start[t] != out_start[t + 1]);
    }

    s->delta = delta;
    s->nstates = nstates;
    s->out_start = out_start;
    s->out_items = out_items;
    PyMem_Free(fail);
    PyMem_Free(queue);
    PyMem_Free(out_count);
    PyMem_Free(word);
    return 0;

nomem:
    PyErr_NoMemory();
error:
    PyMem_Free(delta);
    PyMem_Free(word);
    PyMem_Free(fail);
    PyMem_Free(queue);
    PyMem_Free(out_count);
    PyMem_Free(out_start);
    PyMem_Free(out_items);
    return -1;
}

static void
Scanner_dealloc(Scanner *s)
{
    PyMem_Free(s->delta);
    PyMem_Free(s->out_start);
    PyMem_Free(s->out_items);
    PyMem_Free(s->wide_chars);
    PyMem_Free(s->wide_class);
    Py_XDECREF(s->values);
    Py_TYPE(s)->tp_free((PyObject *)s);
}

static int
Scanner_init(Scanner *s, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"keys", "values", NULL};
    PyObject *keys, *values;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O!O!:Scanner", kwlist, &PyList_Type, &keys,
                                     &PyList_Type, &values))
        return -1;
    if (s->values != NULL || s->delta != NULL) {
        PyErr_SetString(PyExc_RuntimeError, "Scanner: already initialised");
        return -1;
    }
    Py_ssize_t nkeys = PyList_GET_SIZE(keys);
    if (PyList_GET_SIZE(values) != nkeys) {
        PyErr_SetString(PyExc_ValueError, "Scanner: keys and values differ in length");
        return -1;
    }
    for (Py_ssize_t k = 0; k < nkeys; k++) {
        PyObject *key = PyList_GET_ITEM(keys, k);
        if (!PyUnicode_Check(key) || PyUnicode_GET_LENGTH(key) == 0) {
            PyErr_Format(PyExc_ValueError, "Scanner: key %zd is not a non-empty str", k);
            return -1;
        }
    }
    if (build_classes(s, keys, nkeys) < 0 || build_dfa(s, keys, nkeys) < 0)
        return -1;
    s->values = PyList_AsTuple(values);
    return s->values == NULL ? -1 : 0;
}

static int
emit(PyObject *result, const Scanner *s, int32_t state, Py_ssize_t index)
{
    for (int32_t o = s->out_start[state]; o < s->out_start[state + 1]; o++) {
        PyObject *end = PyLong_FromSsize_t(index);
        if (end == NULL)
            return -1;
        PyObject *value = PyTuple_GET_ITEM(s->values, s->out_items[o]);
        Py_INCREF(value);
        PyObject *pair = PyTuple_New(2);
        if (pair == NULL) {
            Py_DECREF(end);
            Py_DECREF(value);
            return -1;
        }
        PyTuple_SET_ITEM(pair, 0, end);
        PyTuple_SET_ITEM(pair, 1, value);
        int err = PyList_Append(result, pair);
        Py_DECREF(pair);
        if (err < 0)
            return -1;
    }
    return 0;
}

static PyObject *
Scanner_findall(Scanner *s, PyObject *const *args, Py_ssize_t nargs)
{
    if (s->values == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "Scanner: not initialised");
        return NULL;
    }
    if (nargs < 1 || nargs > 3 || !PyUnicode_Check(args[0])) {
        PyErr_SetString(PyExc_TypeError, "findall(text: str, start: int = 0, end: int = len(text))");
        return NULL;
    }
    PyObject *text = args[0];
    if (text_ready(text) < 0)
        return NULL;
    Py_ssize_t len = PyUnicode_GET_LENGTH(text);
    Py_ssize_t start = 0, end = len;
    if (nargs > 1 && (start = PyLong_AsSsize_t(args[1])) == -1 && PyErr_Occurred())
        return NULL;
    if (nargs > 2 && (end = PyLong_AsSsize_t(args[2])) == -1 && PyErr_Occurred())
        return NULL;
    if (start < 0)
        start = 0;
    if (end > len)
        end = len;
    PyObject *result = PyList_New(0);
    if (result == NULL)
        return NULL;
    const int32_t C = s->nclasses;
    const int32_t *delta = s->delta;
    const int32_t *latin1_class = s->latin1_class;
    int32_t row = 0, step;
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    if (kind == PyUnicode_1BYTE_KIND) {
        const Py_UCS1 *p = data;
        for (Py_ssize_t i = start; i < end; i++) {
            step = delta[row + latin1_class[p[i]]];
            row = step >> 1;
            if ((step & 1) && emit(result, s, row / C, i) < 0)
                goto error;
        }
    } else {
        for (Py_ssize_t i = start; i < end; i++) {
            step = delta[row + class_of(s, PyUnicode_READ(kind, data, i))];
            row = step >> 1;
            if ((step & 1) && emit(result, s, row / C, i) < 0)
                goto error;
        }
    }
    return result;
error:
    Py_DECREF(result);
    return NULL;
}

static PyObject *
Scanner_states(Scanner *s, PyObject *Py_UNUSED(ignored))
{
    return Py_BuildValue("(ii)", s->nstates, s->nclasses);
}

static PyMethodDef Scanner_methods[] = {
    {"findall", (PyCFunction)(void (*)(void))Scanner_findall, METH_FASTCALL,
     "findall(text, start=0, end=len(text)) -> [(end_index, value), ...]: every occurrence of "
     "every key in text[start:end], by end index, the longest key first at one end index."},
    {"size", (PyCFunction)Scanner_states, METH_NOARGS, "size() -> (states, character classes)"},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject ScannerType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "service.detection._scan.Scanner",
    .tp_basicsize = sizeof(Scanner),
    .tp_dealloc = (destructor)Scanner_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Scanner(keys, values): an Aho-Corasick DFA over keys, reporting each key's value.",
    .tp_methods = Scanner_methods,
    .tp_init = (initproc)Scanner_init,
    .tp_new = PyType_GenericNew,
};

/* The boundary table lexicon.py passes today: ASCII letters and digits lowercased, the rest a space. */
static const Py_UCS1 *
standard_boundary_table(void)
{
    static Py_UCS1 table[128];
    static int made = 0;
    if (!made) {
        for (int c = 0; c < 128; c++) {
            int upper = c >= 'A' && c <= 'Z';
            int word = upper || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
            table[c] = (Py_UCS1)(word ? (upper ? c + 32 : c) : ' ');
        }
        made = 1;
    }
    return table;
}

static PyObject *
ascii_lower_forms(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 2 || !PyUnicode_Check(args[0]) || !PyBytes_Check(args[1])
        || PyBytes_GET_SIZE(args[1]) < 128) {
        PyErr_SetString(PyExc_TypeError, "ascii_lower_forms(text: str, table: bytes of 128 or more)");
        return NULL;
    }
    PyObject *text = args[0];
    if (text_ready(text) < 0)
        return NULL;
    if (!PyUnicode_IS_ASCII(text))
        Py_RETURN_NONE;
    const Py_UCS1 *table = (const Py_UCS1 *)PyBytes_AS_STRING(args[1]);
    int standard = memcmp(table, standard_boundary_table(), 128) == 0;
    if (!standard) {
        for (int c = 0; c < 128; c++) {
            if (table[c] > 127) {
                PyErr_SetString(PyExc_ValueError, "ascii_lower_forms: the table maps ASCII to non-ASCII");
                return NULL;
            }
        }
    }
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    PyObject *lower = PyUnicode_New(n, 127);
    PyObject *blower = PyUnicode_New(n + 2, 127);
    if (lower == NULL || blower == NULL) {
        Py_XDECREF(lower);
        Py_XDECREF(blower);
        return NULL;
    }
    const Py_UCS1 *src = PyUnicode_1BYTE_DATA(text);
    Py_UCS1 *lo = PyUnicode_1BYTE_DATA(lower);
    Py_UCS1 *bl = PyUnicode_1BYTE_DATA(blower);
    bl[0] = ' ';
    if (standard) {
        /* The table says what this computes (letters and digits are kept, lowercased, the rest
         * is a space): branch-free, so the compiler processes 16 or 32 characters at a time. */
        for (Py_ssize_t i = 0; i < n; i++) {
            Py_UCS1 c = src[i];
            Py_UCS1 upper = (Py_UCS1)(c - 'A') < 26;
            Py_UCS1 word = upper | ((Py_UCS1)(c - 'a') < 26) | ((Py_UCS1)(c - '0') < 10);
            Py_UCS1 low = (Py_UCS1)(c | (upper << 5));
            lo[i] = low;
            bl[i + 1] = word ? low : (Py_UCS1)' ';
        }
    } else {
        for (Py_ssize_t i = 0; i < n; i++) {
            Py_UCS1 c = src[i];
            lo[i] = (c >= 'A' && c <= 'Z') ? (Py_UCS1)(c + 32) : c;
            bl[i + 1] = table[c];
        }
    }
    bl[n + 1] = ' ';
    return Py_BuildValue("(NN)", lower, blower);
}

static PyObject *
lower_words(PyObject *module, PyObject *data)
{
    if (!PyBytes_Check(data)) {
        PyErr_SetString(PyExc_TypeError, "lower_words(data: bytes)");
        return NULL;
    }
    Py_ssize_t n = PyBytes_GET_SIZE(data);
    const unsigned char *src = (const unsigned char *)PyBytes_AS_STRING(data);
    PyObject *out = PyBytes_FromStringAndSize(NULL, n);
    if (out == NULL)
        return NULL;
    unsigned char *dst = (unsigned char *)PyBytes_AS_STRING(out);
    Py_ssize_t w = 0;
    int gap = 0;  /* whitespace seen since the last word character */
    for (Py_ssize_t i = 0; i < n; i++) {
        unsigned char c = src[i];
        /* bytes.split()'s whitespace: space, \t, \n, \v, \f, \r */
        if (c == ' ' || (c >= '\t' && c <= '\r')) {
            gap = 1;
            continue;
        }
        if (gap && w > 0)
            dst[w++] = ' ';
        gap = 0;
        dst[w++] = (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c;
    }
    if (w != n && _PyBytes_Resize(&out, w) < 0)
        return NULL;
    return out;
}

static PyMethodDef module_methods[] = {
    {"lower_words", (PyCFunction)lower_words, METH_O,
     "lower_words(data) -> b' '.join(data.lower().split()), in one pass."},
    {"ascii_lower_forms", (PyCFunction)(void (*)(void))ascii_lower_forms, METH_FASTCALL,
     "ascii_lower_forms(text, table) -> (text.lower(), ' ' + text mapped by table + ' '), or None "
     "when text is not ASCII."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef scan_module = {
    PyModuleDef_HEAD_INIT, "_scan",
    "The detector's per-character loops in C (see the comment at the top of _scan.c).",
    -1, module_methods,
};

PyMODINIT_FUNC
PyInit__scan(void)
{
    if (PyType_Ready(&ScannerType) < 0)
        return NULL;
    PyObject *m = PyModule_Create(&scan_module);
    if (m == NULL)
        return NULL;
    Py_INCREF(&ScannerType);
    if (PyModule_AddObject(m, "Scanner", (PyObject *)&ScannerType) < 0) {
        Py_DECREF(&ScannerType);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
