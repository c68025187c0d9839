"""Foundation demo: a district with two townships, stations, four communities, two social
organisations, a charity fund with a corporate donor, organisers, a reviewer and ~20 residents."""

from accounts.models import CommunityMembership, FundReviewer, OrganisationStaff, StationStaff, User
from core.demo import DEMO_PASSWORD, DemoContext

from .models import (
    CharityFund,
    Community,
    District,
    Donor,
    SocialOrganisation,
    SocialWorkStation,
    Township,
    VolunteerProfile,
    VolunteerTeam,
)

RESIDENTS = [
    # username, name, community, volunteer skills
    ("wangayi", "王阿姨", "幸福社区", "园艺, 编织"),
    ("zhangshu", "张叔", "幸福社区", "木工, 电工"),
    ("liunainai", "刘奶奶", "幸福社区", ""),
    ("chenxiaomei", "陈小梅", "幸福社区", "教学辅导, 绘画"),
    ("zhaodage", "赵大哥", "幸福社区", "搬运, 驾驶"),
    ("sunlaoshi", "孙老师", "和美社区", "教学辅导, 书法"),
    ("qianbobo", "钱伯伯", "和美社区", "修理家电"),
    ("zhouxiaoyu", "周小雨", "和美社区", "摄影"),
    ("wuayi", "吴阿姨", "和美社区", "烹饪"),
    ("zhengshifu", "郑师傅", "和美社区", "水电维修"),
    ("fengdajie", "冯大姐", "百老弄社区", "园艺"),
    ("weilaoye", "魏老爷子", "百老弄社区", ""),
    ("jiangxiaoli", "蒋晓丽", "百老弄社区", "心理咨询"),
    ("hanxiaoming", "韩小明", "百老弄社区", "编程, 摄影"),
    ("yangpopo", "杨婆婆", "百老弄社区", ""),
    ("zhuxiansheng", "朱先生", "东湖村", "驾驶"),
    ("qinayi", "秦阿姨", "东湖村", "烹饪, 园艺"),
    ("xuxiaodi", "许小弟", "东湖村", "搬运"),
    ("heshushu", "何叔叔", "东湖村", "木工"),
    ("lvxiaojie", "吕小姐", "东湖村", "财务"),
]


def _user(ctx: DemoContext, username: str, name: str, **extra) -> User:
    user = User.objects.create_user(username=username, password=DEMO_PASSWORD, display_name=name, **extra)
    ctx.users[username] = user
    return user


def seed(ctx: DemoContext) -> None:
    district = District.objects.create(name="鄞州区")
    baizhang = Township.objects.create(district=district, name="百丈街道")
    dongsheng = Township.objects.create(district=district, name="东胜街道")

    communities = {
        "幸福社区": Community.objects.create(
            township=baizhang,
            name="幸福社区",
            address="宁波市鄞州区百丈路 88 号",
            description="老旧小区较多，60 岁以上老人占四成，居民热心参与社区事务。",
        ),
        "和美社区": Community.objects.create(
            township=baizhang,
            name="和美社区",
            address="宁波市鄞州区和美路 12 号",
            description="新老居民混居，双职工家庭多，孩子放学后看护需求大。",
        ),
        "百老弄社区": Community.objects.create(
            township=dongsheng,
            name="百老弄社区",
            address="宁波市鄞州区百老弄 3 号",
            description="留守老人和随迁老人较多，邻里守望传统深厚。",
        ),
        "东湖村": Community.objects.create(
            township=dongsheng,
            name="东湖村",
            kind=Community.Kind.VILLAGE,
            address="鄞州区东胜街道东湖村",
            description="城郊村，村民以种植为业，村里有一块闲置空地。",
        ),
    }
    ctx.communities.update(communities)

    st1 = SocialWorkStation.objects.create(
        township=baizhang, name="百丈街道社会工作站", description="为百丈街道各社区提供专业社工服务。"
    )
    st1.communities.add(communities["幸福社区"], communities["和美社区"])
    st2 = SocialWorkStation.objects.create(
        township=dongsheng, name="东胜街道社会工作站", description="聚焦一老一小，链接慈善资源。"
    )
    st2.communities.add(communities["百老弄社区"], communities["东湖村"])

    org1 = SocialOrganisation.objects.create(
        district=district, name="鄞州邻里守望服务中心", focus="独居老人关爱、邻里互助"
    )
    org2 = SocialOrganisation.objects.create(district=district, name="甬上青少年成长营", focus="儿童暑期托管、课业辅导")

    fund = CharityFund.objects.create(
        name="甬城幸福慈善基金",
        foundation="宁波市慈善总会",
        description="设立于宁波市慈善基地，支持“一小一老”社区微治理项目。",
    )
    Donor.objects.create(fund=fund, name="宁波海曙建设集团", kind=Donor.Kind.CORPORATE)
    Donor.objects.create(fund=fund, name="鄞州区民政局", kind=Donor.Kind.GOVERNMENT)
    ctx.objects.update({"district": district, "stations": [st1, st2], "organisations": [org1, org2], "fund": fund})

    admin = _user(ctx, "admin", "平台管理员", is_staff=True, is_superuser=True)
    del admin
    organisers = [
        ("lisg", "李社工", "幸福社区"),
        ("zhousg", "周社工", "和美社区"),
        ("huangsg", "黄社工", "百老弄社区"),
        ("linsg", "林书记", "东湖村"),
    ]
    for username, name, community in organisers:
        user = _user(ctx, username, name)
        CommunityMembership.objects.create(
            user=user, community=communities[community], role="organiser", status="verified"
        )
    StationStaff.objects.create(user=_user(ctx, "xusg", "徐社工"), station=st1)
    OrganisationStaff.objects.create(user=_user(ctx, "mazhuren", "马主任"), organisation=org1)
    FundReviewer.objects.create(user=_user(ctx, "chenpingshen", "陈评审"), fund=fund)
    FundReviewer.objects.create(user=_user(ctx, "luopingshen", "罗评审"), fund=fund)

    teams = {
        "幸福社区": VolunteerTeam.objects.create(
            community=communities["幸福社区"], name="幸福社区银龄志愿队", description="社区低龄老人组成的志愿服务队。"
        ),
        "百老弄社区": VolunteerTeam.objects.create(
            community=communities["百老弄社区"],
            name="百老弄邻里守望队",
            description="结对探访独居老人，帮忙买菜、陪同就医。",
        ),
    }
    # A township-wide team without a community: anyone signed in may join it.
    teams["东胜街道"] = VolunteerTeam.objects.create(
        name="东胜街道应急志愿队", description="汛期和寒潮时协助转移、送物资。"
    )
    ctx.objects["volunteer_teams"] = list(teams.values())
    for username, name, community, skills in RESIDENTS:
        user = _user(ctx, username, name)
        CommunityMembership.objects.create(user=user, community=communities[community], status="verified")
        if skills:
            team = teams.get(community) or (teams["东胜街道"] if community == "东湖村" else None)
            VolunteerProfile.objects.create(user=user, skills=skills, availability="周末上午", team=team)
    # People still waiting for an organiser, so the queue is not empty in the demo.
    for username, name, community in [("newcomer1", "新居民小杨", "幸福社区"), ("newcomer2", "新居民老丁", "和美社区")]:
        user = _user(ctx, username, name)
        CommunityMembership.objects.create(
            user=user, community=communities[community], status="pending", message="刚搬来，住在 5 幢"
        )
