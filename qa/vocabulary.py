"""The text vocabulary every stage shares: how numbers, dates, names, answer types and text addressed to an
AI are recognised. One home, so that retrieval, answering and verification agree."""

from __future__ import annotations

import re

# --- numbers -------------------------------------------------------------------------------------
COUNT = re.compile(r"\d[\d,.]*\d|\d|\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|dozens?|"
                   r"hundreds?|thousands?|millions?|billions?|half|several|few)\b", re.I)
"""A count in an answer sentence: digits or a number word ("dozens", "several")."""
DIGITS = re.compile(r"\d+(?:[.,]\d+)*")
"""A number written in digits ("2,500", "3.5")."""
NUMBER_WORDS = {w: str(i) for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen twenty".split())} | {
    w: str(10 * i) for i, w in enumerate("thirty forty fifty sixty seventy eighty ninety".split(), 3)}
"""Number words and their digits."""
YEAR = re.compile(r"(1[89]|20)\d{2}")
TIME_UNIT = re.compile(r"(seconds?|minutes?|hours?|days?|weeks?|months?|years?|decades?|centur(y|ies))\b", re.I)

# --- dates ---------------------------------------------------------------------------------------
MONTHS = {m: i for i, m in enumerate(["january", "february", "march", "april", "may", "june", "july", "august",
                                      "september", "october", "november", "december"], 1)}
DATE_WORDS = re.compile(r"\b(1[89]|20)\d{2}\b|\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\b|"
                        r"\b(mon|tues|wednes|thurs|fri|satur|sun)day\b|\b(yesterday|today|tonight|ago|"
                        r"(last|this|next|that) (week|month|year)|midnight)\b", re.I)
"""Anything in a sentence that says when: a year, a month, a weekday, a relative day."""
CALENDAR_WORDS = re.compile(r"\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\b|"
                            r"\b(mon|tues|wednes|thurs|fri|satur|sun)day\b|\b(yesterday|today|tonight)\b", re.I)
"""Month and day names (verification compares them by their first three letters)."""
MONTH_DAY = re.compile(r"\b(January|February|March|April|May|June|July|August|September|October|November|December)"
                       r"\s+(\d{1,2})(?:st|nd|rd|th)?(?:,?\s+(\d{4}))?\b")
"""A calendar day as questions write it: 'October 5' or 'October 5, 2023'."""

# --- names ---------------------------------------------------------------------------------------
NAME = re.compile(r"\b(?:[A-Z][\w'’\-]*[a-zA-Z]|[A-Z]{2,}|U\.S\.)(?:\s+(?:of\s+|al-)?[A-Z][\w'’\-]*)*")
"""A run of capitalised words ("Islamic State", "U.S.", "Ministry of Defence")."""
CAPITALISED = re.compile(r"(?<![\w'’\-])(?:[A-Z](?:\.[A-Z])+\.?|(?:[a-z]{1,3}-)?[A-Z][\w'’\-]*)")
"""One capitalised word or initialism ("U.S.", "al-Rashad")."""
QUESTION_WORDS = {"What", "Which", "Who", "Whom", "Whose", "When", "Where", "Why", "How", "Is", "Are",
                  "Was", "Were", "Did", "Do", "Does", "Can", "Could", "Will", "Would", "Should", "In",
                  "On", "At", "According", "And", "The", "A", "An", "Has", "Have", "Had", "Tell", "Give",
                  "From", "For", "By", "To", "With", "During", "After", "Before", "Since", "Of", "As"}
"""Capitalised words that open questions and are not names."""

# --- answer types --------------------------------------------------------------------------------
ASKS = (("NUMBER", re.compile(r"\bhow (many|much|long|far|old|big|large)\b|\bwhat (number|percentage|share|amount)\b",
                              re.I)),
        ("DATE", re.compile(r"\bwhen\b|\bwhat (year|date|day|month|time)\b|\bwhich (year|date|day|month)\b", re.I)),
        ("PERSON", re.compile(r"^\s*(who|whom|whose)\b", re.I)),
        ("PLACE", re.compile(r"^\s*where\b|\bin which (city|country|province|region|area)\b", re.I)))
"""What a question asks for, by its wording, in order of precedence; anything else is OTHER."""

# --- text addressed to an AI ---------------------------------------------------------------------
INSTRUCTION = re.compile(r"\b(ignore|disregard|forget)\b.{0,40}\b(instructions?|prompts?|rules|above)\b|"
                         r"\b(system prompt|you are (an? )?(ai|assistant|language model)|as an ai)\b|"
                         r"\bcite (source )?\[?\d+\]?", re.I)
"""Text addressed to an AI rather than to readers: never quoted as an answer, never put in a prompt."""


def answer_type(question: str) -> str:
    """NUMBER, DATE, PERSON, PLACE or OTHER."""
    for kind, pattern in ASKS:
        if pattern.search(question):
            return kind
    return "OTHER"


def names_in(text: str) -> list[str]:
    """Capitalised names in a text (a leading question word is not part of a name)."""
    found = []
    for match in NAME.finditer(text):
        words = match.group().split()
        while words and words[0] in QUESTION_WORDS:
            words = words[1:]
        if words:
            found.append(" ".join(words))
    return found
