"""Units of measurement and currencies: surface forms -> canonical singular names.

Counted things ("troops", "soldiers") are not listed here; ``quantities`` takes them
from the parse and singularises them with the lemma.
"""
from __future__ import annotations

# currency symbols and prefixes written before the number
CURRENCY_SYMBOLS = {
    "$": "dollar", "us$": "dollar", "y=": "japanese yen", "rm": "malaysian ringgit", "$us": "dollar", "$a": "australian dollar",
    "$c": "canadian dollar", "$nz": "new zealand dollar", "$hk": "hong kong dollar", "usd": "dollar", "a$": "australian dollar",
    "au$": "australian dollar", "aud": "australian dollar", "c$": "canadian dollar",
    "ca$": "canadian dollar", "cad": "canadian dollar", "nz$": "new zealand dollar",
    "nzd": "new zealand dollar", "hk$": "hong kong dollar", "hkd": "hong kong dollar",
    "s$": "singapore dollar", "sgd": "singapore dollar", "€": "euro", "eur": "euro",
    "£": "pound sterling", "gbp": "pound sterling", "ps": "pound sterling",
    "¥": "japanese yen", "jpy": "japanese yen", "cny": "chinese yuan", "rmb": "chinese yuan",
    "₹": "indian rupee", "inr": "indian rupee", "rs": "indian rupee", "rs.": "indian rupee",
    "₽": "russian ruble", "rub": "russian ruble", "₴": "ukrainian hryvnia",
    "uah": "ukrainian hryvnia", "chf": "swiss franc", "₪": "shekel", "ils": "shekel",
    "₩": "south korean won", "krw": "south korean won",
    "myr": "malaysian ringgit",
}

# currency nouns written after the number (singular -> canonical)
CURRENCY_WORDS = {
    "dollar": "dollar", "buck": "dollar", "euro": "euro", "pound": "pound sterling",
    "sterling": "pound sterling", "yen": "japanese yen", "yuan": "chinese yuan",
    "renminbi": "chinese yuan", "rupee": "indian rupee", "ruble": "russian ruble",
    "rouble": "russian ruble", "hryvnia": "ukrainian hryvnia", "hryvnias": "ukrainian hryvnia",
    "hryvnya": "ukrainian hryvnia", "franc": "swiss franc", "krona": "swedish krona",
    "kronor": "swedish krona", "krone": "danish krone", "kroner": "danish krone",
    "crown": "krone", "shekel": "shekel", "ringgit": "malaysian ringgit", "peso": "peso",
    "won": "south korean won", "rand": "south african rand", "lira": "lira", "real": "real",
    "reais": "real", "dinar": "dinar", "dirham": "dirham", "riyal": "riyal", "baht": "baht",
    "cent": "cent", "sen": "sen", "pence": "penny", "penny": "penny", "p": "penny",
    "bitcoin": "bitcoin",
}

PERCENT_WORDS = {"%": "percentage", "percent": "percentage", "per cent": "percentage",
                 "pct": "percentage", "percentage point": "percentage point",
                 "percentage points": "percentage point", "basis point": "basis point",
                 "basis points": "basis point", "bps": "basis point", "bp": "basis point"}

# measurement units after the number: surface (case-folded) -> canonical singular
MEASURES = {
    # length
    "km": "kilometre", "kms": "kilometre", "kilometre": "kilometre", "kilometres": "kilometre",
    "kilometer": "kilometre", "kilometers": "kilometre", "m": "metre", "metre": "metre",
    "metres": "metre", "meter": "metre", "meters": "metre", "cm": "centimetre",
    "centimetre": "centimetre", "centimetres": "centimetre", "centimeter": "centimetre",
    "centimeters": "centimetre", "mm": "millimetre", "millimetre": "millimetre",
    "millimetres": "millimetre", "millimeter": "millimetre", "millimeters": "millimetre",
    "micrometre": "micrometre", "micrometres": "micrometre", "micron": "micrometre",
    "microns": "micrometre", "nm": "nanometre", "nanometres": "nanometre",
    "nanometers": "nanometre", "nanometer": "nanometre", "nanometre": "nanometre", "mile": "mile", "miles": "mile", "mi": "mile", "yard": "yard",
    "yards": "yard", "yd": "yard", "foot": "foot", "feet": "foot", "ft": "foot",
    "inch": "inch", "inches": "inch", "in.": "inch", "nautical mile": "nautical mile",
    "nautical miles": "nautical mile",
    # area
    "square mile": "square mile", "square miles": "square mile",
    "square kilometre": "square kilometre", "square kilometres": "square kilometre",
    "square kilometer": "square kilometre", "square kilometers": "square kilometre",
    "sq km": "square kilometre", "km2": "square kilometre", "km²": "square kilometre",
    "square metre": "square metre", "square metres": "square metre",
    "square meter": "square metre", "square meters": "square metre",
    "square foot": "square foot", "square feet": "square foot", "sq ft": "square foot",
    "acre": "acre", "acres": "acre", "hectare": "hectare", "hectares": "hectare",
    "ha": "hectare",
    # mass
    "kg": "kilogram", "kgs": "kilogram", "kilogram": "kilogram", "kilograms": "kilogram",
    "kilo": "kilogram", "kilos": "kilogram", "g": "gram", "gram": "gram", "grams": "gram",
    "mg": "milligram", "milligram": "milligram", "milligrams": "milligram",
    "tonne": "tonne", "tonnes": "tonne", "ton": "ton", "tons": "ton", "t": "tonne",
    "lb": "pound-mass", "lbs": "pound-mass", "pound": "pound-mass", "pounds": "pound-mass",
    "ounce": "ounce", "ounces": "ounce", "oz": "ounce",
    # volume
    "litre": "litre", "litres": "litre", "liter": "litre", "liters": "litre", "l": "litre",
    "ml": "millilitre", "gallon": "gallon", "gallons": "gallon", "barrel": "barrel",
    "barrels": "barrel", "bpd": "barrel per day", "cubic metre": "cubic metre",
    "cubic metres": "cubic metre", "cubic meters": "cubic metre",
    # time
    "second": "second", "seconds": "second", "sec": "second", "secs": "second", "s": "second",
    "minute": "minute", "minutes": "minute", "min": "minute", "mins": "minute",
    "hour": "hour", "hours": "hour", "hr": "hour", "hrs": "hour", "h": "hour", "day": "day",
    "days": "day", "week": "week", "weeks": "week", "month": "month", "months": "month",
    "year": "year", "years": "year", "yr": "year", "yrs": "year", "decade": "decade",
    "decades": "decade", "century": "century", "centuries": "century",
    "millennium": "millennium", "millennia": "millennium",
    # speed, rate
    "mph": "mile per hour", "km/h": "kilometre per hour", "kmh": "kilometre per hour",
    "kph": "kilometre per hour", "km/hr": "kilometre per hour", "m/s": "metre per second",
    "knot": "knot", "knots": "knot", "mpg": "mile per gallon", "rpm": "revolutions per minute",
    # power, energy, electricity
    "w": "watt", "watt": "watt", "watts": "watt", "kw": "kilowatt", "kilowatt": "kilowatt",
    "kilowatts": "kilowatt", "mw": "megawatt", "megawatt": "megawatt", "megawatts": "megawatt",
    "gw": "gigawatt", "gigawatt": "gigawatt", "gigawatts": "gigawatt",
    "kwh": "kilowatt hour", "mwh": "megawatt hour", "gwh": "gigawatt hour",
    "twh": "terawatt hour", "hp": "horsepower", "horsepower": "horsepower",
    "bhp": "brake horsepower", "ps": "metric horsepower", "v": "volt", "volt": "volt",
    "volts": "volt", "kv": "kilovolt", "mah": "milliampere-hour", "a": "ampere",
    "amp": "ampere", "amps": "ampere", "lb-ft": "pound-foot",
    "pound-feet": "pound-foot", "joule": "joule", "joules": "joule", "calorie": "calorie",
    "calories": "calorie", "kcal": "kilocalorie",
    # temperature, angle
    "degree": "degree", "degrees": "degree", "°": "degree", "°c": "celsius",
    "°f": "fahrenheit", "celsius": "celsius", "centigrade": "celsius",
    "fahrenheit": "fahrenheit", "kelvin": "kelvin",
    # data, frequency
    "bit": "bit", "bits": "bit", "byte": "byte", "bytes": "byte", "kb": "kilobyte",
    "mb": "megabyte", "gb": "gigabyte", "tb": "terabyte", "pb": "petabyte",
    "mbps": "megabit per second", "gbps": "gigabit per second", "hz": "hertz",
    "khz": "kilohertz", "mhz": "megahertz", "ghz": "gigahertz", "mp": "megapixel",
    "megapixel": "megapixel", "megapixels": "megapixel",
    # other
    "decibel": "decibel", "decibels": "decibel", "db": "decibel", "ppm": "parts-per-million",
    "ppb": "parts-per-billion", "gpa": "gigapascal", "mpa": "megapascal", "psi": "psi",
    "point": "point", "points": "point", "pts": "point", "goal": "goal", "goals": "goal",
    "run": "run", "runs": "run", "wicket": "wicket", "wickets": "wicket",
    "yard-line": "yard", "m2": "square metre", "m²": "square metre", "cm2": "square centimetre",
    "cm²": "square centimetre", "sqm": "square metre", "sq m": "square metre",
    "μm": "micrometre", "µm": "micrometre", "degrees celsius": "celsius",
    "degree celsius": "celsius", "degrees fahrenheit": "fahrenheit",
    "degree fahrenheit": "fahrenheit", "degrees c": "celsius", "degrees f": "fahrenheit", "miles per hour": "mile per hour",
    "mile per hour": "mile per hour", "kilometres per hour": "kilometre per hour",
    "kilometers per hour": "kilometre per hour", "miles per gallon": "mile per gallon",
    "pound-foot": "pound-foot", "foot-pounds": "pound-foot", "newton-metres": "newton metre",
}

# measures that read as a compound with the number before "-old": "50-year-old"
AGE_WORDS = {"year-old": "year of age", "years-old": "year of age",
             "year old": "year of age", "years old": "year of age",
             "month-old": "month of age", "week-old": "week of age", "day-old": "day of age"}

TIME_UNITS = {"second", "minute", "hour", "day", "week", "month", "year", "decade",
              "century", "millennium"}

# tokens that are units only when written with a number right before them (no space,
# or a clear abbreviation); these are too ambiguous as free-standing words
AMBIGUOUS_SHORT = {"m", "t", "s", "h", "g", "l", "a", "v", "w", "in.", "ps", "min", "sec", "nm"}


def measure_of(surface: str) -> str | None:
    """Canonical singular name of a measurement unit written as ``surface``."""
    s = surface.casefold()
    if s in MEASURES:
        return MEASURES[s]
    if s.endswith(".") and s[:-1] in MEASURES and len(s) > 2:
        return MEASURES[s[:-1]]
    return None


def currency_symbol(surface: str) -> str | None:
    return CURRENCY_SYMBOLS.get(surface.casefold().replace(" ", ""))


def currency_word(surface: str) -> str | None:
    w = surface.casefold()
    if w.endswith(".") and len(w) > 1:
        w = w[:-1]  # "125.8 p." at the end of a sentence
    if w in CURRENCY_WORDS:
        return CURRENCY_WORDS[w]
    if w.endswith("s") and len(w) > 3 and w[:-1] in CURRENCY_WORDS:
        return CURRENCY_WORDS[w[:-1]]
    return None
