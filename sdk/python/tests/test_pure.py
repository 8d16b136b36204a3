"""Tests for the helpers that need no component bindings: `python3 -m unittest` in sdk/python."""

import datetime
import unittest

from interop_connector import errors, grading, urls, validate, warm
from interop_connector.errors import ConnectorFailure


class Dates(unittest.TestCase):
    def test_iso_dates_must_be_real(self):
        self.assertTrue(validate.is_iso_date("1988-03-14"))
        self.assertTrue(validate.is_iso_date("2000-02-29"))
        for bad in ["1988-3-14", "14/03/1988", "2001-02-29", "1988-13-01", "", None, 19880314]:
            self.assertFalse(validate.is_iso_date(bad), bad)

    def test_vendor_forms_convert(self):
        self.assertEqual(validate.compact_to_iso("19880314"), "1988-03-14")
        self.assertIsNone(validate.compact_to_iso("19881314"))
        self.assertIsNone(validate.compact_to_iso("1988-03-14"))
        self.assertEqual(validate.iso_to_compact("1988-03-14"), "19880314")
        self.assertIsNone(validate.iso_to_compact("14/03/1988"))
        self.assertEqual(validate.dmy_to_iso("14/03/1988"), "1988-03-14")
        self.assertIsNone(validate.dmy_to_iso("31/02/1988"))

    def test_birth_dates_are_past_and_plausible(self):
        today = datetime.date(2026, 3, 1)
        self.assertTrue(validate.is_birth_date("1988-03-14", today))
        self.assertFalse(validate.is_birth_date("2026-03-01", today), "not today")
        self.assertFalse(validate.is_birth_date("2027-01-01", today), "not the future")
        self.assertFalse(validate.is_birth_date("1890-01-01", today), "age at most 120")


class Formats(unittest.TestCase):
    def test_vrm(self):
        self.assertEqual(validate.normalise_vrm(" zx51 abc "), "ZX51ABC")
        self.assertIsNone(validate.normalise_vrm("ZX51-ABC"))
        self.assertIsNone(validate.normalise_vrm("ABCDEFGHIJKL"))
        self.assertIsNone(validate.normalise_vrm(""))

    def test_postcode(self):
        self.assertEqual(validate.normalise_postcode("sw1a2aa"), "SW1A 2AA")
        self.assertEqual(validate.normalise_postcode("w1p 1aa"), "W1P 1AA")
        self.assertIsNone(validate.normalise_postcode("ZZ1 1AA"), "Z is never a second letter")
        self.assertEqual(validate.normalise_postcode("gir0aa"), "GIR 0AA")
        for bad in ["QQ1 1AA", "ZZ1 1CA", "12345", "SW1A", "ZZ1 1A"]:
            self.assertIsNone(validate.normalise_postcode(bad), bad)

    def test_telephone_and_names(self):
        self.assertTrue(validate.is_e164("+447700900123"))
        for bad in ["07700900123", "+44 7700 900123", "+04477009"]:
            self.assertFalse(validate.is_e164(bad), bad)
        self.assertTrue(validate.is_name("O'Neil-Smith"))
        self.assertFalse(validate.is_name("Dr. Who"))
        self.assertFalse(validate.is_name("a" * 36))
        self.assertEqual(validate.title_case_surname("O'NEIL-SMITH"), "O'Neil-Smith")
        self.assertEqual(validate.title_case_surname("EXAMPLEWOOD"), "Examplewood")


class Markings(unittest.TestCase):
    def test_markings(self):
        self.assertEqual(grading.parse_marking("OFFICIAL"), ("official", False))
        self.assertEqual(grading.parse_marking("official-sensitive"), ("official", True))
        self.assertEqual(grading.parse_marking("TOP  SECRET"), ("top-secret", False))
        self.assertIsNone(grading.parse_marking("RESTRICTED"))

    def test_grades_round_trip(self):
        self.assertEqual(grading.parse_grade("2b"), ("untested", "b"))
        self.assertEqual(grading.parse_grade("1A"), ("reliable", "a"))
        for bad in ["4A", "2F", "B2", "", None]:
            self.assertIsNone(grading.parse_grade(bad), bad)
        for grade in ["1A", "2C", "3E"]:
            self.assertEqual(grading.format_grade(*grading.parse_grade(grade)), grade)


class Errors(unittest.TestCase):
    def test_status_table(self):
        table = {200: None, 302: None, 400: "invalid-input", 401: "unauthorized",
                 403: "unauthorized", 404: "not-found", 408: "unavailable", 409: "internal",
                 410: "not-found", 422: "invalid-input", 429: "unavailable", 500: "unavailable",
                 503: "unavailable", 599: "unavailable"}
        for status, case in table.items():
            self.assertEqual(errors.case_for_status(status), case, status)

    def test_vendor_detail_is_sanitised(self):
        failure = errors.status_failure(503, "down\x1b[31m\nnow" + "x" * 300)
        self.assertEqual(failure.case, "unavailable")
        self.assertTrue(failure.message.startswith("vendor answered HTTP 503: down [31m now"))
        self.assertLess(len(failure.message), 260)
        self.assertEqual(errors.status_failure(404).message, "vendor answered HTTP 404")

    def test_transport_failures_read_as_words(self):
        self.assertEqual(errors.transport_words("ConnectionRefused"), "connection refused")
        self.assertEqual(errors.transport_words("DnsTimeout"), "name lookup timeout")
        self.assertEqual(
            errors.transport_words("DestinationIpProhibited"), "destination address prohibited"
        )
        self.assertEqual(errors.transport_words("HttpResponseTimeout"), "HTTP response timeout")
        long = errors.transport_words("InternalError", "x" * 1000)
        self.assertEqual(long, "internal error (" + "x" * errors.MAX_DETAIL + ")")

    def test_unknown_case_is_refused(self):
        with self.assertRaises(ValueError):
            ConnectorFailure("teapot", "no")


class Urls(unittest.TestCase):
    def test_split(self):
        self.assertEqual(urls.split_url("http://127.0.0.1:8080/a/b?x=1"),
                         ("http", "127.0.0.1:8080", "/a/b?x=1"))
        self.assertEqual(urls.split_url("HTTPS://h.example"), ("https", "h.example", "/"))
        self.assertEqual(urls.split_url("http://h?x=1"), ("http", "h", "/?x=1"))
        for bad in ["ftp://h/", "h/x", "http:///x", "http://user@h/", None]:
            with self.assertRaises(ConnectorFailure) as caught:
                urls.split_url(bad)
            self.assertEqual(caught.exception.case, "invalid-input")

    def test_join_and_query(self):
        self.assertEqual(urls.join("http://h/api/", "/x"), "http://h/api/x")
        self.assertEqual(urls.join("http://h", "x"), "http://h/x")
        self.assertEqual(urls.with_query("http://h/x", {"a": "b c/d", "skip": None}),
                         "http://h/x?a=b%20c%2Fd")
        self.assertEqual(urls.with_query("http://h/x?y=1", [("a", 1)]), "http://h/x?y=1&a=1")
        self.assertEqual(urls.with_query("http://h/x", {}), "http://h/x")
        self.assertEqual(urls.segment("DET-5001/address"), "DET-5001%2Faddress")


if __name__ == "__main__":
    unittest.main()


class WarmUp(unittest.TestCase):
    def test_runs_the_function_the_times_asked_and_lets_its_failure_through(self):
        calls = []
        warm.warm_up(lambda: calls.append(1))
        self.assertEqual(len(calls), warm.DEFAULT_TIMES)
        warm.warm_up(lambda: calls.append(1), times=2)
        self.assertEqual(len(calls), warm.DEFAULT_TIMES + 2)

        def broken():
            raise KeyError("detainee_ref")

        # A broken warm-up fails the build rather than being hidden.
        with self.assertRaises(KeyError):
            warm.warm_up(broken)
