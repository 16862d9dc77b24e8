"""Python zeep against vtj-emulator: loads both served WSDLs over mutual TLS and calls the
person query on the direct interface (SOAP 1.1 and 1.2 ports) and on the X-Road interface.
Prints one JSON object with the values it parsed; tests/interop.rs checks them.

usage: zeep_client.py BASE_URL CA_PEM CLIENT_PEM CLIENT_KEY_PEM HETU
"""

import json
import sys

import requests
from lxml import etree
from zeep import Client
from zeep.transports import Transport

VTJ = "http://xml.vrk.fi/schema/vtjkysely"
XRD = "http://x-road.eu/xsd/xroad.xsd"
ID = "http://x-road.eu/xsd/identifiers"


def session(ca, cert, key):
    s = requests.Session()
    s.trust_env = False  # REQUESTS_CA_BUNDLE etc. must not replace the test CA
    s.verify = ca
    s.cert = (cert, key)
    return s


def document(value):
    """The VTJHenkiloVastaussanoma element inside an xs:any result."""
    items = value if isinstance(value, list) else [value]
    for item in items:
        if item is None:
            continue
        if isinstance(item, etree._Element):
            if item.tag == "{%s}VTJHenkiloVastaussanoma" % VTJ:
                return item
            found = item.find(".//{%s}VTJHenkiloVastaussanoma" % VTJ)
            if found is not None:
                return found
        inner = getattr(item, "_value_1", None)
        if inner is not None:
            doc = document(inner)
            if doc is not None:
                return doc
    return None


def summary(doc):
    code = doc.find("{%s}Paluukoodi" % VTJ)
    henkilo = doc.find("{%s}Henkilo" % VTJ)
    out = {"koodi": code.get("koodi"), "teksti": code.text}
    if henkilo is not None:
        out["henkilotunnus"] = henkilo.findtext("{%s}Henkilotunnus" % VTJ)
        out["sukunimi"] = henkilo.findtext("{%s}NykyinenSukunimi/{%s}Sukunimi" % (VTJ, VTJ))
        out["etunimet"] = henkilo.findtext("{%s}NykyisetEtunimet/{%s}Etunimet" % (VTJ, VTJ))
    return out


def identifier(tag, object_type, fields):
    e = etree.Element("{%s}%s" % (XRD, tag), nsmap={"xrd": XRD, "id": ID})
    e.set("{%s}objectType" % ID, object_type)
    for name, value in fields:
        etree.SubElement(e, "{%s}%s" % (ID, name)).text = value
    return e


def leaf(tag, text):
    e = etree.Element("{%s}%s" % (XRD, tag), nsmap={"xrd": XRD})
    e.text = text
    return e


def main():
    base, ca, cert, key, hetu = sys.argv[1:6]
    transport = Transport(session=session(ca, cert, key))
    params = dict(
        SoSoNimi="PERUSSANOMA 3",
        Kayttajatunnus="demo",
        Salasana="demo",
        Loppukayttaja="zeep-interop",
        Henkilotunnus=hetu,
    )
    result = {}

    direct = Client(base + "/sosowebsite/soso.asmx?wsdl", transport=transport)
    answer = direct.service.TeeHenkilonTunnusKysely(**params)
    result["direct11"] = summary(document(answer))
    soap12 = direct.bind("SoSo", "SoSoSoap12")
    result["direct12"] = summary(document(soap12.TeeHenkilonTunnusKysely(**params)))

    xroad = Client(base + "/SoSoAdapterWebSite/SoSoAdapterService60.svc?wsdl", transport=transport)
    headers = [
        identifier("client", "SUBSYSTEM", [
            ("xRoadInstance", "FI-TEST"), ("memberClass", "MUN"),
            ("memberCode", "0101263-6"), ("subsystemCode", "evaka-test"),
        ]),
        identifier("service", "SERVICE", [
            ("xRoadInstance", "FI-TEST"), ("memberClass", "GOV"),
            ("memberCode", "0245437-2"), ("subsystemCode", "VTJkysely"),
            ("serviceCode", "HenkilonTunnusKysely"), ("serviceVersion", "v1"),
        ]),
        leaf("id", "zeep-1"),
        leaf("userId", "zeep-user"),
        leaf("protocolVersion", "4.0"),
    ]
    answer = xroad.service.HenkilonTunnusKysely(request=params, _soapheaders=headers)
    body = getattr(answer, "body", answer)
    echo = body["request"]
    result["xroad"] = summary(document(body["response"]))
    result["xroad"]["echo_salasana"] = echo["Salasana"]
    result["xroad"]["echo_loppukayttaja"] = echo["Loppukayttaja"]
    header = getattr(answer, "header", None)
    if header is not None and header["requestHash"] is not None:
        result["xroad"]["request_hash"] = header["requestHash"]["_value_1"]
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
